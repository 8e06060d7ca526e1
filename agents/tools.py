"""The agent's one tool registry: what a planner is offered is exactly what the graph runs.

Every tool is a :class:`ToolSpec`: a name, the function (over :mod:`dnahlm.bio` or the knowledge
services), the pydantic schema of its arguments, and how the graph fills its sequence input. The graph
validates a planned call with the schema (so the schema's defaults are the only defaults, and an
argument a chat-model planner passes is never dropped) and then calls the function; a tool-calling chat
model is offered the same specs as LangChain ``StructuredTool`` objects (:meth:`Toolbox.tools`).

Sequence inputs (``ToolSpec.inputs``):

- ``each``: ``sequence`` is each given sequence in turn (at most three);
- ``first``: ``sequence`` is the first given sequence (a PCR template, a cloning insert);
- ``pair``: ``a`` and ``b`` are the first two sequences (an alignment);
- ``oligo``: ``oligo`` is the first sequence, unless the question wrote one (a Tm);
- ``none``: no sequence (a paper search).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Inputs = Literal["each", "first", "pair", "oligo", "none"]


class VariantArgs(BaseModel):
    sequence: str = Field(description="the reference regulatory sequence (A, C, G, T, N)")
    change: str = Field(description="the change, 1-based on the sequence: '61G>T', '100_102del', '50_51insA'")
    task: str = Field(
        default="promoter", description="what to predict before and after: promoter, tf-binding, ..."
    )
    p_value: float = Field(default=1e-4, gt=0, le=0.01, description="motif scan threshold")


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name, function, argument schema and how its sequence input is filled."""

    name: str
    func: Callable[..., Any]
    schema: type[BaseModel]

    @property
    def inputs(self) -> Inputs:
        return inputs_of(self.name)

    def call(self, args: dict[str, Any]) -> Any:
        """Validate ``args`` with the schema (its defaults fill the rest), then run the function."""
        parsed = self.schema.model_validate(args)
        return self.func(**{name: getattr(parsed, name) for name in type(parsed).model_fields})


TOOL_INPUTS: dict[str, Inputs] = {
    "design_primers": "first",
    "pcr_product": "first",
    "cloning_primers": "first",
    "align_identity": "pair",
    "melting_temperature": "oligo",
    "search_papers": "none",
    "compare_clone": "none",
    "choose": "none",
}
"""How each tool's sequence input is filled, where it is not ``each`` (also read by the router)."""


def inputs_of(tool: str) -> Inputs:
    """How ``tool``'s sequence input is filled (see the module docstring)."""
    return TOOL_INPUTS.get(tool, "each")


def needs_sequence(tool: str, args: dict[str, Any]) -> bool:
    """Whether a call of ``tool`` with ``args`` needs a sequence from the user (a Tm does not when the
    question wrote the oligo)."""
    kind = inputs_of(tool)
    return kind in ("each", "first", "pair") or (kind == "oligo" and "oligo" not in args)


class Toolbox:
    """The tools over one index and one checkpoint, by name (:attr:`specs`).

    Args:
        index: knowledge index folder (predictions, similar sequences and papers need one).
        model: checkpoint folder (default: the embedded dnahlm-tiny).
        store: an open KnowledgeStore instead of ``index``.
    """

    def __init__(
        self, index: str | Path | None = None, *, model: str | Path | None = None, store: Any = None
    ):
        from . import sequence_tools as st
        from .bench_tools import BENCH_TOOLS
        from .knowledge_tools import KnowledgeTools, PaperArgs, PredictArgs, SimilarArgs
        from .motif_tool import ScanMotifsInput

        self.knowledge = KnowledgeTools(index, model=model, store=store)
        self._scanner: Any = None
        specs = [
            ToolSpec("sequence_stats", st.sequence_stats, st.StatsArgs),
            ToolSpec("reverse_complement", st.reverse_complement_tool, st.SequenceArgs),
            ToolSpec("translate_frames", st.translate_frames, st.TranslateArgs),
            ToolSpec("find_orfs", st.find_orfs, st.OrfArgs),
            ToolSpec("restriction_sites", st.restriction_sites, st.RestrictionArgs),
            ToolSpec("align_identity", st.align_identity, st.AlignArgs),
            *(ToolSpec(name, func, schema) for name, (func, schema) in BENCH_TOOLS.items()),
            ToolSpec("scan_motifs", self.scan_motifs, ScanMotifsInput),
            ToolSpec("variant_effect", self.variant_effect, VariantArgs),
            ToolSpec("predict", self.knowledge.predict, PredictArgs),
            ToolSpec("similar_sequences", self.knowledge.similar, SimilarArgs),
            ToolSpec("search_papers", self.knowledge.papers, PaperArgs),
        ]
        self.specs: dict[str, ToolSpec] = {s.name: s for s in specs}

    def scanner(self) -> Any:
        """The JASPAR CORE vertebrate profiles, loaded on first use."""
        from dnahlm.bio.motifs import MotifScanner

        if self._scanner is None:
            self._scanner = MotifScanner.from_jaspar()
        return self._scanner

    def scan_motifs(
        self,
        sequence: str,
        p_value: float = 1e-4,
        top: int = 20,
        names: list[str] | None = None,
        shuffles: int = 20,
    ) -> Any:
        """Find transcription-factor binding sites (JASPAR motifs) in a DNA sequence, on both strands, and
        judge them: q-values, the count expected by chance, enrichment against shuffled copies."""
        from .motif_tool import scan_result

        return scan_result(self.scanner(), sequence, p_value, top, names, shuffles)

    def variant_effect(
        self, sequence: str, change: str, task: str = "promoter", p_value: float = 1e-4
    ) -> Any:
        """What a base change does to a regulatory sequence: the predicted probability (promoter, TF
        binding) before and after, and the JASPAR motif sites it creates or destroys."""
        from dnahlm.bio.variants import VariantEffect, motif_site_changes
        from dnahlm.errors import UserInputError
        from dnahlm.retrieval.service import positive_label

        mutated, gained, lost = motif_site_changes(self.scanner(), sequence, change, p_value=p_value)
        effect = VariantEffect(
            change=mutated.change, length=len(sequence), p_value=p_value, gained=gained, lost=lost
        )
        try:
            before, after = self.knowledge.service.predict(task, [sequence, mutated.sequence])  # one pass
        except UserInputError:  # no pool and no tuned head for the task: the motif sites alone
            return effect
        label = positive_label(list(before.probs))
        effect.task, effect.label, effect.method = before.task, label, before.method
        effect.p_before, effect.p_after = before.probs[label], after.probs[label]
        return effect

    def tools(self) -> list[Any]:
        """Every tool as a LangChain ``StructuredTool`` (what a chat-model planner is offered)."""
        from .sequence_tools import make_tool

        return [make_tool(s.name, s.func, s.schema) for s in self.specs.values()]


__all__ = ["ToolSpec", "Toolbox"]
