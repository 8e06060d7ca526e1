"""Ask: a chat with the agent (:func:`dnahlm.agents.ask`) about an optional sequence.

The question goes to :func:`dnahlm.agents.ask`, the one entry point the CLI uses too; its steps are shown
live: the planned tool steps as soon as the plan is made, then one line per tool step, running when it
starts, done in X s (or failed, with its error) when it ends; then the answer. Every ``[n]`` of the answer
has an expander with its source, found through the tool call the citation records
(:meth:`dnahlm.types.Answer.call_for`): the tool's result, a paper's title and id with the passage, an
indexed sequence's accession and feature, a prediction's nearest labelled examples with their labels.
Text that came from files or tools (passages, titles, ids, labels, the answer that quotes them, error
messages) is shown as text, never as Markdown (:func:`dnahlm.ui.text.md_escape`).
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from dnahlm.errors import UserInputError
from dnahlm.settings import get_settings
from dnahlm.ui import resources
from dnahlm.ui.text import md_escape, md_line
from dnahlm.ui.uploads import SEQUENCE_SUFFIXES, check_upload, read_sequences

EXAMPLE_QUESTION = (
    "Is this a promoter, which transcription factors could bind it, and what is its GC content?"
)
MAX_SEQUENCES = 3  # the agent looks at the first three sequences, as `dnahlm ask --fasta` does


def _use_example() -> None:
    from dnahlm.examples import GLUT5_PROMOTER_300

    st.session_state["ask_seq"] = GLUT5_PROMOTER_300


def sequences_given(cfg: resources.UIConfig) -> list[str]:
    """The sequences typed or uploaded above the chat (at most three).

    Raises:
        UserInputError: both given, a file too large or of another kind, a bad letter.
    """
    from dnahlm.sequences import normalize

    typed = (st.session_state.get("ask_seq") or "").strip()
    upload = st.session_state.get("ask_file")
    if typed and upload is not None:
        raise UserInputError("give the sequence either in the box or as a file, not both")
    if upload is not None:
        check_upload(upload.name, upload.size, SEQUENCE_SUFFIXES, cfg.max_upload_mb)
        return [
            s
            for _, s in read_sequences(
                upload.name, upload.getvalue(), limit=MAX_SEQUENCES, max_mb=cfg.max_upload_mb
            )
        ]
    return [normalize(typed, record_id="the sequence", iupac=True)] if typed else []


def run_agent(graph: Any, question: str, sequences: list[str]) -> Any:
    """Ask ``graph`` (through :func:`dnahlm.agents.ask`), showing each step live; returns the
    :class:`~dnahlm.types.Answer`.

    Inside a status box: the plan as soon as it is made, then one line per tool step, written when the
    step starts (running ...) and rewritten when it ends (done in X s, with its note, or failed with its
    error).
    """
    from dnahlm.agents import ask

    started = time.perf_counter()
    status = st.status("Planning ...", expanded=True)
    lines: dict[int, Any] = {}  # step number -> its placeholder in the status box

    def show(step: Any) -> None:
        if step.status == "plan":
            status.update(label=f"Running {len(step.tools)} tool step(s) ...")
            with status:
                st.markdown("**Plan:** " + ", ".join(f"`{t}`" for t in step.tools))
            return
        if step.step not in lines:
            with status:
                lines[step.step] = st.empty()
        lines[step.step].markdown(
            step_text(step.step, step.tool, step.status, step.seconds, step.error, step.note)
        )
        if step.status == "start":
            status.update(label=f"Running `{step.tool}` (step {step.step}) ...")

    answer = ask(question, sequences, on_step=show, agent=graph)
    status.update(
        label=f"{len(answer.tool_calls)} tool step(s), answered in {time.perf_counter() - started:.1f} s",
        state="complete",
        expanded=False,
    )
    return answer


def step_text(
    step: int,
    tool: str,
    status: str,
    seconds: float | None = None,
    error: str | None = None,
    note: str | None = None,
) -> str:
    """One line of the status box: ``step. `tool` running ...``, ``done in X s`` or ``failed: error``."""
    if status == "start":
        return f":material/pending: {step}. `{tool}` running ..."
    if status == "done":
        extra = f" ({md_line(note)})" if note else ""
        return f":material/check_circle: {step}. `{tool}` done in {seconds or 0.0:.2f} s{extra}"
    return f":material/error: {step}. `{tool}` failed: {md_line(error or 'unknown error')}"


def _step_line(call: Any, step: int) -> str:
    return step_text(step, call.tool, "done" if call.ok else "failed", call.seconds, call.error, call.note)


def _find(answer: Any, position: int, tool: str, attr: str) -> Any:
    """The item of the tool result behind ``citations[position]`` (a passage, a similar sequence) whose
    citation is that citation's id: in the call it came from, or in any ``tool`` call of a hand-made
    answer that does not record where its citations came from."""
    cited = answer.citations[position]
    origin = answer.call_for(position)
    calls = [origin] if origin is not None else [c for c in answer.tool_calls if c.tool == tool]
    for call in calls:
        if call.ok and call.result is not None:
            for item in getattr(call.result, attr, None) or []:
                if item.citation == cited.id:
                    return item
    return None


def render_citation(answer: Any, position: int) -> None:
    """One expander per source: what ``[position + 1]`` in the answer refers to (titles, ids and passages
    shown as text)."""
    c = answer.citations[position]
    n = position + 1
    if c.kind == "passage":
        with st.expander(f"[{n}] Paper: {md_line(c.label or 'untitled')} ({md_line(c.id)})"):
            passage = _find(answer, position, "search_papers", "passages")
            st.markdown(
                f"**Title:** {md_line(c.label or '(none)')}  \n**Id:** {md_line(c.id)}  \n"
                f"**Score:** {c.score:.4f}"
            )
            quoted = (passage.text if passage else c.snippet) or ""
            if quoted.strip():
                st.markdown("\n".join(f"> {line}" for line in md_escape(quoted).split("\n")))
    elif c.kind == "sequence":
        accession, _, feature = c.id.partition(" ")
        with st.expander(f"[{n}] Sequence: {md_line(c.id)}"):
            hit = _find(answer, position, "similar_sequences", "hits")
            st.markdown(
                f"**GenBank accession:** {md_line(accession)}  \n"
                f"**Feature:** {md_line(feature) if feature else '(whole record)'}"
            )
            if hit is not None:
                st.dataframe(pd.DataFrame([hit.model_dump()]), hide_index=True)
    else:
        call = answer.call_for(position)
        with st.expander(f"[{n}] Tool `{c.source}`: {md_line(c.snippet or c.id)}"):
            if call is None:
                st.json(c.model_dump())
                return
            st.caption(
                f"arguments {md_line(str(call.args))}; {call.seconds:.2f} s"
                + (f"; {md_line(call.note)}" if call.note else "")
            )
            _tool_result(call)


def _tool_result(call: Any) -> None:
    r = call.result
    if call.tool == "predict":
        st.markdown(
            f"**{md_line(r.task)}** ({r.kind}, {r.method}): **{md_line(_label_name(r))}**; "
            f"pool of {r.pool_size:,} examples"
        )
        st.dataframe(pd.DataFrame([r.probs]), hide_index=True)
        if r.evidence:
            st.markdown("Nearest labelled examples:")
            st.dataframe(
                pd.DataFrame(
                    [{"example id": e.id, "label": e.label, "similarity": e.score} for e in r.evidence]
                ),
                hide_index=True,
            )
    elif call.tool == "scan_motifs":
        st.dataframe(pd.DataFrame([h.model_dump() for h in r.hits]), hide_index=True)
    elif isinstance(r, list):
        st.dataframe(pd.DataFrame([x.model_dump() for x in r]), hide_index=True)
    else:
        st.json(r.model_dump(mode="json") if hasattr(r, "model_dump") else str(r), expanded=False)


def _label_name(r: Any) -> str:
    """The predicted label's name (a :class:`dnahlm.types.Prediction` keeps it in ``label_name``)."""
    return str(getattr(r, "label_name", None) or r.label)


def gel_lanes(answer: Any) -> dict[str, list[int]]:
    """Lane name -> fragment sizes for every digest the answer made (one lane each)."""
    lanes = {}
    for call in answer.tool_calls:
        if call.ok and call.tool == "digest":
            name = " + ".join(e.enzyme for e in call.result.enzymes)
            lanes[name if name not in lanes else f"{name} ({len(lanes) + 1})"] = call.result.sizes
    return lanes


def primer_tracks(answer: Any) -> list[tuple[int, list[dict[str, Any]], tuple[int, int] | None]]:
    """For each PCR or primer-design call: template length, primers (name, 1-based start, end, strand),
    and the product's span on the template."""
    out = []
    for call in answer.tool_calls:
        if not call.ok:
            continue
        r = call.result
        if call.tool == "pcr_product":
            sites = [("forward", r.forward_binding), ("reverse", r.reverse_binding)]
            primers = [{"name": n, "start": b.start, "end": b.end, "strand": b.strand} for n, b in sites if b]
            span = (
                (r.forward_binding.start, r.reverse_binding.end)
                if r.product_size and not r.spans_origin
                else None
            )
            out.append((r.template_length, primers, span))
        elif call.tool == "design_primers" and r.pairs:
            pair = r.pairs[0]
            primers = [
                {
                    "name": "forward",
                    "start": pair.left.start,
                    "end": pair.left.end,
                    "strand": pair.left.strand,
                },
                {
                    "name": "reverse",
                    "start": pair.right.start,
                    "end": pair.right.end,
                    "strand": pair.right.strand,
                },
            ]
            out.append((r.template_length, primers, (pair.left.start, pair.right.end)))
    return out


def render_answer(answer: Any) -> None:
    """The answer text (as text: nothing in it is rendered as markup), the virtual gel of any digest and
    the primers of any PCR on their template, then one expander per cited source."""
    from dnahlm.agents.compose import NEEDS_SEQUENCE
    from dnahlm.ui import charts

    if answer.text == NEEDS_SEQUENCE:
        st.info("This question is about a sequence: paste one (or upload a file) above and ask again.")
    else:
        st.markdown(md_escape(answer.text))
    lanes = gel_lanes(answer)
    if lanes:
        st.altair_chart(charts.gel_chart(lanes), width="content")
    for length, primers, span in primer_tracks(answer):
        st.altair_chart(charts.primer_map(length, primers, span), width="stretch")
    if answer.citations:
        st.markdown("**Sources**")
        for i in range(len(answer.citations)):
            render_citation(answer, i)


def render() -> None:
    """The Ask page."""
    cfg = resources.ui_config()
    st.title("Ask about DNA")
    st.caption(
        "The agent plans tool calls (statistics, ORFs, motifs, prediction, similar sequences, papers), "
        "runs them and composes an answer in which every claim cites its source."
    )
    with st.expander("Sequence (optional)", expanded=True):
        st.text_area("DNA sequence", key="ask_seq", height=100, placeholder="ACGT...")
        st.file_uploader(
            "... or a FASTA / GenBank / EMBL file (first 3 records)",
            key="ask_file",
            type=[s.lstrip(".") for s in SEQUENCE_SUFFIXES] + ["gz"],
        )
        st.button("Use the human GLUT5 promoter (300 bp)", on_click=_use_example)
    with st.expander("Chat model (optional)"):
        st.text_input(
            "PROVIDER:MODEL",
            key="ask_llm",
            value=get_settings().llm or "",
            placeholder="ollama:qwen2.5:7b",
            help="A LangChain chat model plans the tool calls and may write the answer; a written answer is "
            "kept only when every sentence is supported by the tool results it cites (docs/llm.md). Empty: "
            "the offline planner.",
        )
    history: list[dict[str, Any]] = st.session_state.setdefault("ask_history", [])
    for turn in history:
        with st.chat_message("user"):
            st.markdown(md_escape(turn["question"]))
        with st.chat_message("assistant"):
            with st.expander(f"{len(turn['answer'].tool_calls)} tool step(s)"):
                for step, call in enumerate(turn["answer"].tool_calls, start=1):
                    st.markdown(_step_line(call, step))
            render_answer(turn["answer"])
    question = st.chat_input(f"Ask a question, e.g. {EXAMPLE_QUESTION}")
    if not question:
        return
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    with st.chat_message("assistant"):
        try:
            sequences = sequences_given(cfg)
            index = resources.current_index()
            llm = (st.session_state.get("ask_llm") or "").strip()
            graph = resources.agent(index, resources.current_model(), resources.index_token(index), llm)
            answer = run_agent(graph, question, sequences)
        except UserInputError as exc:
            resources.error_box(exc)
            return
        render_answer(answer)
    history.append({"question": question, "answer": answer})


if __name__ == "__main__":  # run as a Streamlit page
    render()
