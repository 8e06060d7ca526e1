"""Few-shot prompts that fit the model's context, measured with the real tokenizer (defined in
:mod:`dnahlm.scoring`, where every prediction path builds its prompts; re-exported here for custom chains).

Templates come from :mod:`dnahlm.prompts` (the Alpaca format the model was tuned with). When the prompt
would not fit, the least similar examples go first (they come first in the prompt; the most similar sits
next to the query), then example sequences are cut to the query's length around their centre, and a query
that alone is too long keeps its centre: in GUE-style data the site of interest (TSS, splice junction,
ChIP-seq summit) is the middle of the window, so the middle is what must stay.
"""

from __future__ import annotations

from dnahlm.scoring import centre, fit_shots, label_probs

__all__ = ["centre", "fit_shots", "label_probs"]
