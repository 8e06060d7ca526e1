"""The Streamlit app (``dnahlm.ui``) under ``streamlit.testing.v1.AppTest``: every page renders, and each
takes one real interaction with the embedded dnahlm-tiny model; plus the helpers behind the pages and the
``dnahlm ui`` command line. Resources built with ``st.cache_resource`` are shared by the tests of this
process, so the model and the motif scanner load once."""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dnahlm.examples import GLUT5_PROMOTER_300
from dnahlm.sequences import gc_content
from tests.test_ui_text import plain

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
TIMEOUT = 120


def _dna(rng: random.Random, n: int, gc: float = 0.5) -> str:
    w = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return "".join(rng.choices("ACGT", weights=w, k=n))


def _pool_csv(n: int = 40, seed: int = 3) -> bytes:
    """A labelled pool the k-mer kNN separates: label 1 GC-rich, label 0 AT-rich (60 bp each)."""
    rng = random.Random(seed)
    rows = [f"{_dna(rng, 60, 0.8 if i % 2 else 0.2)},{i % 2}" for i in range(n)]
    return ("sequence,label\n" + "\n".join(rows) + "\n").encode()


def _fasta(records: dict[str, str]) -> bytes:
    return "".join(f">{rid}\n{seq}\n" for rid, seq in records.items()).encode()


@pytest.fixture
def app(monkeypatch):
    """An AppTest of the real entry script, with no index unless a test sets ``DNAHLM_UI__INDEX``."""
    monkeypatch.setenv("DNAHLM_UI__INDEX", "none")
    monkeypatch.delenv("DNAHLM_UI__MODEL", raising=False)
    monkeypatch.delenv("DNAHLM_UI__MAX_UPLOAD_MB", raising=False)

    def make(**env: str) -> AppTest:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def _charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


# ------------------------------------------------------------------------------------------- Ask
def test_ask_page_streams_tool_steps_and_cites_each_source(app):
    at = app()
    assert at.title[0].value == "Ask about DNA"
    assert any("No index" in c.value for c in at.sidebar.caption)
    at.button[0].click().run()  # the GLUT5 example fills the sequence box
    assert at.text_area(key="ask_seq").value == GLUT5_PROMOTER_300
    at.chat_input[0].set_value("Is this a promoter? What is its GC content?").run()
    assert not at.exception, [e.value for e in at.exception]
    status = at.status[0]
    assert "tool step(s), answered in" in status.label
    steps = [m.value for m in status.markdown]
    assert steps[0].startswith("**Plan:**") and "`predict`" in steps[0] and "`sequence_stats`" in steps[0]
    # one line per tool step from the graph's custom events, written at its start and rewritten at its end
    lines = [re.search(r"(\d+)\. `(\w+)` done in \d+\.\d\d s", s) for s in steps[1:]]
    assert all(lines) and len(lines) == len(steps) - 1 >= 2, steps
    assert [int(m[1]) for m in lines] == list(range(1, len(lines) + 1))
    assert {"predict", "sequence_stats"} <= {m[2] for m in lines}
    assert not any("running ..." in s for s in steps)  # every started step ended
    answer = next(plain(m.value) for m in at.markdown if m.value.startswith("Prediction for"))
    assert f"GC content {100 * gc_content(GLUT5_PROMOTER_300):.1f}%" in answer
    assert "Prediction for prom_300_all" in answer and "[1]" in answer and "[2]" in answer
    labels = [e.label for e in at.expander]
    assert any(label.startswith("[1] Tool `predict`") for label in labels)
    assert any(label.startswith("[2] Tool `sequence_stats`") for label in labels)
    predict_box = next(e for e in at.expander if e.label.startswith("[1] Tool `predict`"))
    assert re.match(
        r"\*\*prom\\_300\\_all\*\* \(promoter, (instruct|classifier)\): \*\*(non\\-)?promoter\*\*",
        predict_box.markdown[0].value,
    )
    # the turn stays in the chat history on the next run
    at.run()
    assert at.chat_message[0].markdown[0].value == "Is this a promoter? What is its GC content?"
    history_steps = next(e for e in at.expander if e.label.endswith("tool step(s)"))
    assert [m.value.split(" done in")[0] for m in history_steps.markdown] == [
        s.split(" done in")[0] for s in steps[1:]
    ]
    assert any("GC content" in m.value for m in at.markdown)


def test_ask_page_plugs_in_a_chat_model_and_refuses_a_bad_spec(app, monkeypatch):
    import langchain.chat_models
    from langchain_core.messages import AIMessage

    from tests.test_agents_chat import Scripted

    call = {"name": "sequence_stats", "args": {"sequence": "SEQUENCE"}, "id": "c1"}
    script = [
        AIMessage(content="", tool_calls=[call]),
        AIMessage(content="done"),
        AIMessage(content="Hi [1]."),
    ]
    monkeypatch.setattr(
        langchain.chat_models,
        "init_chat_model",
        lambda m, model_provider: Scripted(messages=iter(list(script))),
    )
    at = app()
    at.text_input(key="ask_llm").set_value("qwen").run()
    at.chat_input[0].set_value("GC content of ACGTACGTACGTACGTACGTAAA?").run()
    assert "expected PROVIDER:MODEL" in plain(at.error[0].value)
    at.text_input(key="ask_llm").set_value("ollama:scripted").run()
    at.chat_input[0].set_value("GC content of ACGTACGTACGTACGTACGTAAA?").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    answer = next(t for t in map(plain, (m.value for m in at.markdown)) if "GC content" in t and "[1]" in t)
    assert answer.startswith(
        "The sequence is 23 bp long"
    )  # "Hi [1]." is not supported by the result: composed


def test_ask_page_draws_a_digest_as_a_virtual_gel_and_primers_on_their_template(app):
    from Bio.Restriction import EcoRI, HindIII
    from Bio.Seq import Seq

    rng = random.Random(4)
    seq = ""
    while not seq or "GAATTC" in seq or "AAGCTT" in seq:
        seq = _dna(rng, 900)
    seq = seq[:200] + "GAATTC" + seq[200:600] + "AAGCTT" + seq[600:]  # fragments 201, 406, 305 bp
    at = app()
    at.text_area(key="ask_seq").set_value(seq).run()
    at.chat_input[0].set_value("What fragments does a digest with EcoRI and HindIII give?").run()
    assert not at.exception, [e.value for e in at.exception]
    answer = next(plain(m.value) for m in at.markdown if "fragments" in m.value and "\\[1\\]" in m.value)
    cuts = sorted(p - 1 for ps in (EcoRI + HindIII).search(Seq(seq)).values() for p in ps)
    sizes = sorted((b - a for a, b in zip([0, *cuts], [*cuts, len(seq)], strict=True)), reverse=True)
    assert sizes == [406, 305, 201]
    assert answer.startswith(
        "EcoRI and HindIII cut this 912 bp linear sequence into 3 fragments: 406, 305 and 201 bp"
    )
    assert "Virtual gel" in _charts(at)[-1].proto.spec
    from dnahlm.ui.charts import LADDER_BP, gel_chart
    from dnahlm.ui.page_ask import gel_lanes

    lanes = gel_lanes(at.session_state["ask_history"][-1]["answer"])
    assert lanes == {"EcoRI + HindIII": sizes}
    spec = gel_chart(lanes).to_dict()
    rows = spec["datasets"][spec["layer"][0]["data"]["name"]]  # the bands' layer
    assert sorted(r["size"] for r in rows if r["lane"] == "EcoRI + HindIII") == sorted(sizes)
    assert sorted(r["size"] for r in rows if r["lane"] == "ladder") == sorted(LADDER_BP)


def test_primer_tracks_place_the_primers_of_a_pcr_answer():
    from dnahlm.agents.graph import build_agent
    from dnahlm.sequences import reverse_complement
    from dnahlm.ui.page_ask import gel_lanes, primer_tracks

    template = _dna(random.Random(8), 800)
    q = f"What product do the primers {template[50:70]} and {reverse_complement(template[400:420])} give?"
    answer = build_agent(None).invoke({"question": q, "sequences": [template]})["answer"]
    assert gel_lanes(answer) == {}
    [(length, primers, span)] = primer_tracks(answer)
    assert length == 800 and span == (51, 420)
    assert [(p["name"], p["start"], p["end"], p["strand"]) for p in primers] == [
        ("forward", 51, 70, "top"),
        ("reverse", 401, 420, "bottom"),
    ]


def test_ask_page_cites_indexed_sequences_with_accession_and_feature(app, tmp_path):
    from dnahlm.index.ingest import add_files

    rng = random.Random(5)
    genes = {"GENE_A": _dna(rng, 400), "GENE_B": _dna(rng, 400, 0.7)}
    fasta = tmp_path / "genes.fa"
    fasta.write_bytes(_fasta(genes))
    add_files(tmp_path / "idx", [fasta])
    at = app(DNAHLM_UI__INDEX=str(tmp_path / "idx"))
    assert any("Index ready" in c.value for c in at.sidebar.caption)
    at.text_area(key="ask_seq").set_value(genes["GENE_B"][50:350])
    at.chat_input[0].set_value("Which indexed sequences is this similar to?").run()
    assert not at.exception, [e.value for e in at.exception]
    cited = [e for e in at.expander if e.label.startswith("[1] Sequence: ")]
    assert cited and "GENE_B" in plain(cited[0].label)
    assert "**GenBank accession:** GENE\\_B" in cited[0].markdown[0].value


def test_ask_status_lines_follow_the_custom_events():
    """A failed step's line carries its error, a finished one its note; a step still running when the
    stream stops says so."""

    def script():
        import streamlit as st

        from dnahlm.agents.graph import ToolCall
        from dnahlm.types import Answer
        from dnahlm.ui.page_ask import run_agent

        calls = [
            ToolCall(tool="sequence_stats", seconds=0.25),
            ToolCall(tool="predict", ok=False, error="boom"),
        ]
        note = "the central 20,000 bp (1..20000) of 30,000 bp"

        class Graph:
            def stream(self, inputs, stream_mode):
                assert stream_mode == ["updates", "custom"]
                assert inputs == {"question": "q", "sequences": ["ACGT"]}
                yield "updates", {"plan": {"plan": [{"tool": c.tool} for c in calls]}}
                yield "custom", {"tool": "sequence_stats", "status": "start", "step": 1}
                yield "custom", {"tool": "sequence_stats", "status": "done", "step": 1, "seconds": 0.25,
                                 "note": note}  # fmt: skip
                yield "custom", {"tool": "predict", "status": "start", "step": 2}
                yield "custom", {"tool": "predict", "status": "failed", "step": 2, "error": "boom"}
                yield "custom", {"tool": "scan_motifs", "status": "start", "step": 3}
                yield "updates", {"answer": {"answer": Answer(question="q", text="t", tool_calls=calls)}}

        st.session_state["answer"] = run_agent(Graph(), "q", ["ACGT"])

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    lines = [m.value for m in at.status[0].markdown]
    lines[1] = plain(lines[1])  # the note is shown as text: its brackets and dots escaped
    assert lines == [
        "**Plan:** `sequence_stats`, `predict`",
        ":material/check_circle: 1. `sequence_stats` done in 0.25 s "
        "(the central 20,000 bp (1..20000) of 30,000 bp)",
        ":material/error: 2. `predict` failed: boom",
        ":material/pending: 3. `scan_motifs` running ...",
    ]
    assert at.status[0].label.startswith("2 tool step(s), answered in")
    assert at.session_state["answer"].text == "t"


def test_a_citation_expands_to_the_tool_call_it_came_from():
    """Two calls of the same tool: each citation shows its own call (no counting of earlier citations)."""

    def script():
        from dnahlm.agents.graph import ToolCall
        from dnahlm.types import Answer, Evidence
        from dnahlm.ui.page_ask import render_answer

        stats = [
            ToolCall(tool="sequence_stats", args={"sequence": "<300 bp>"}, seconds=0.5),
            ToolCall(tool="sequence_stats", args={"sequence": "<40 bp>"}, seconds=0.25),
        ]
        render_answer(
            Answer(
                question="q",
                text="The second is 40 bp [1]. The first is 300 bp [2].",
                citations=[
                    Evidence(id="tool:sequence_stats#1", kind="tool", source="sequence_stats", snippet="40"),
                    Evidence(id="tool:sequence_stats#2", kind="tool", source="sequence_stats", snippet="300"),
                ],
                citation_calls=[1, 0],
                tool_calls=stats,
            )
        )

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    first, second = at.expander
    assert plain(first.caption[0].value) == "arguments {'sequence': '<40 bp>'}; 0.25 s"
    assert plain(second.caption[0].value) == "arguments {'sequence': '<300 bp>'}; 0.50 s"


def test_citations_expand_to_paper_sequence_and_example_sources():
    """Rendering of every kind of source, from a hand-built answer (no index or model needed)."""

    def script():
        from dnahlm.agents.graph import ToolCall
        from dnahlm.agents.knowledge_tools import PaperPassage, PaperResult
        from dnahlm.types import Answer, Evidence, Prediction
        from dnahlm.ui.page_ask import render_answer

        ev = Evidence(id="tf_0:train:7", kind="example", score=0.91, source="tf_0", label="binding site")
        pred = Prediction(
            task="tf_0",
            kind="tf-binding",
            method="fused",
            label=1,
            label_name="binding site",
            probs={"background sequence": 0.2, "binding site": 0.8},
            pool_size=600,
            evidence=[ev],
        )
        papers = PaperResult(
            query="q",
            passages=[
                PaperPassage(
                    citation="PMID:123", title="TBP binds TATA", text="The TATA box binds TBP.", score=0.5
                )
            ],
        )
        render_answer(
            Answer(
                question="q",
                text="It binds [1]. Papers [2]. Like [3].",
                citations=[
                    Evidence(
                        id="tool:predict#1", kind="tool", source="predict", snippet="tf_0: binding site"
                    ),
                    Evidence(id="PMID:123", kind="passage", label="TBP binds TATA", snippet="The TATA"),
                    Evidence(id="NC_000913.3 CDS thrL b0001 190..255(+)", kind="sequence", label="thrL"),
                ],
                citation_calls=[0, 1, None],
                tool_calls=[
                    ToolCall(tool="predict", result=pred),
                    ToolCall(tool="search_papers", result=papers),
                ],
            )
        )

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    tool, paper, seq = at.expander
    assert plain(tool.label) == "[1] Tool `predict`: tf_0: binding site"
    assert (
        plain(tool.markdown[0].value)
        == "**tf_0** (tf-binding, fused): **binding site**; pool of 600 examples"
    )
    examples = tool.dataframe[-1].value
    assert list(examples["example id"]) == ["tf_0:train:7"] and list(examples["label"]) == ["binding site"]
    assert plain(paper.label) == "[2] Paper: TBP binds TATA (PMID:123)"
    assert paper.markdown[1].value == "> The TATA box binds TBP\\."
    assert plain(seq.label).startswith("[3] Sequence: NC_000913.3")
    assert "**GenBank accession:** NC\\_000913\\.3" in seq.markdown[0].value
    assert plain(seq.markdown[0].value).endswith("**Feature:** CDS thrL b0001 190..255(+)")


# --------------------------------------------------------------------------------------- Predict
def test_predict_page_uploaded_fasta_gives_one_row_per_record_with_charts(app):
    at = app()
    at.switch_page("page_predict.py").run()
    assert at.title[0].value == "Predict"
    at.radio(key="pred_input").set_value("Upload").run()
    records = {"glut5": GLUT5_PROMOTER_300, "half": GLUT5_PROMOTER_300[:150]}
    at.file_uploader(key="pred_file").set_value(("q.fa", _fasta(records), "text/plain")).run()
    assert at.radio(key="pred_source").value == "tuned"
    at.selectbox(key="pred_tuned_task").set_value("prom_300_all").run()
    at.button(key="pred_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    table = at.dataframe[0].value
    assert list(table["record"]) == ["glut5", "half"] and list(table["length"]) == [300, 150]
    probs = table["p(non-promoter)"] + table["p(promoter)"]
    assert all(abs(p - 1) < 1e-3 for p in probs)
    assert set(table["label"]) <= {"promoter", "non-promoter"}
    csv = at.download_button(key="pred_download")
    assert csv is not None
    charts = _charts(at)
    assert len(charts) >= 3  # probabilities, motif track, GC profile
    at.selectbox(key="pred_record").set_value(1).run()
    assert any(plain(c.value).startswith("half: ") for c in at.caption)


def test_predict_page_uploaded_pool_knn_shows_evidence(app):
    at = app()
    at.switch_page("page_predict.py").run()
    at.radio(key="pred_source").set_value("pool").run()
    at.file_uploader(key="pred_pool").set_value(("gc.csv", _pool_csv(), "text/csv"))
    at.text_input(key="pred_labels").set_value("0=at-rich,1=gc-rich")
    at.selectbox(key="pred_method_pool").set_value("knn").run()
    rng = random.Random(11)
    at.text_area(key="pred_seq").set_value(_dna(rng, 60, 0.85)).run()
    at.button(key="pred_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    row = at.dataframe[0].value.iloc[0]
    assert row["label"] == "gc-rich" and row["method"] == "knn" and row["p(gc-rich)"] > 0.5
    evidence = at.dataframe[1].value
    assert len(evidence) == 3 and (evidence["label"] == "gc-rich").sum() >= 2  # settings.prediction.evidence
    assert evidence["example"].str.startswith("gc:").all()
    # in-silico mutagenesis of the record: one more chart, and the reference is the prediction itself
    before = len(_charts(at))
    at.selectbox(key="pred_mut_label").set_value("gc-rich")
    at.button(key="pred_mut_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert len(_charts(at)) == before + 1
    caption = next(plain(c.value) for c in at.caption if plain(c.value).startswith("P(gc-rich) = "))
    assert caption.startswith(f"P(gc-rich) = {row['p(gc-rich)']:.3f}; strongest: ")


def test_predict_page_reports_bad_input_in_one_line(app):
    at = app()
    at.switch_page("page_predict.py").run()
    at.text_area(key="pred_seq").set_value("ACGTXACGT").run()
    at.button(key="pred_run").click().run()
    assert not at.exception
    assert "invalid DNA letter 'X'" in plain(at.error[0].value) and "position 5" in plain(at.error[0].value)


# ----------------------------------------------------------------------------------------- Index
def test_index_page_adds_uploads_shows_stats_and_searches(app, tmp_path):
    idx = tmp_path / "new-index"
    at = app(DNAHLM_UI__INDEX=str(idx))
    at.switch_page("page_index.py").run()
    assert at.title[0].value == "Knowledge index"
    assert any("No index in this folder yet" in c.value for c in at.sidebar.caption)
    rng = random.Random(8)
    genes = {"geneX": _dna(rng, 700), "geneY": _dna(rng, 300)}
    at.file_uploader(key="idx_files").set_value(
        [
            ("genes.fa.gz", gzip.compress(_fasta(genes)), "application/gzip"),
            ("gc.csv", _pool_csv(), "text/csv"),
        ]
    )
    at.text_input(key="idx_labels").set_value("0=at-rich,1=gc-rich")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert "Added 43 records from 2 file(s)" in at.success[0].value  # 2 + 1 windows of 500 bp, 40 examples
    assert {m.label: m.value for m in at.metric} == {"sequences": "3 records", "examples": "40 records"}
    sources = at.dataframe[1].value
    assert all(str(p).startswith(str(idx)) for p in sources["file"])  # staged inside the index folder only
    assert not list(idx.glob(".upload-*"))  # ... and removed
    at.text_input(key="idx_query").set_value(genes["geneX"][100:400]).run()
    hits = at.dataframe[-1].value
    assert hits.iloc[0]["what"].endswith("geneX") or "geneX" in hits.iloc[0]["where"]
    assert hits.iloc[0]["collection"] == "sequences"


def test_index_page_refuses_large_or_unknown_uploads(app, tmp_path):
    at = app(DNAHLM_UI__INDEX=str(tmp_path / "i"), DNAHLM_UI__MAX_UPLOAD_MB="1")
    at.switch_page("page_index.py").run()
    at.file_uploader(key="idx_files").set_value(("big.fa", b">a\n" + b"A" * (1024 * 1024 + 10), "text/plain"))
    at.button[0].click().run()
    assert "big.fa" in plain(at.error[0].value) and "more than the 1 MB" in plain(at.error[0].value)
    # Streamlit's uploader takes any .gz; the page looks through it
    at.file_uploader(key="idx_files").set_value(("notes.docx.gz", gzip.compress(b"PK"), "application/gzip"))
    at.button[0].click().run()
    assert "notes.docx.gz: .docx is not a format this page takes" in plain(at.error[0].value)
    assert not (tmp_path / "i").exists() or not any((tmp_path / "i").iterdir())


# ----------------------------------------------------------------------------------------- Model
def test_model_page_shows_the_card_and_measured_figures(app, tiny_checkpoint):
    at = app()
    at.switch_page("page_model.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    meta = json.loads((APP.parents[1] / "dnahlm/checkpoints/dnahlm-tiny/dnahlm.json").read_text())
    assert metrics["Parameters"] == f"{meta['parameters']:,}"
    assert metrics["Tuned tasks / heads"] == "6 / 6"
    results = next(d.value for d in at.dataframe if "macro_f1" in d.value.columns)
    assert len(results) == len(meta["validation"])
    assert results.set_index(["task", "method"]).loc[("tf_0", "classifier"), "accuracy"] == pytest.approx(
        0.744
    )
    assert _charts(at)
    at.radio(key="model_metric").set_value("mcc").run()
    assert not at.exception and _charts(at)
    # another folder: a checkpoint without measured figures, then one that is not a checkpoint
    at.text_input(key="model_card_dir").set_value(str(tiny_checkpoint)).run()
    assert any("records no measured figures" in c.value for c in at.caption)
    at.text_input(key="model_card_dir").set_value(str(tiny_checkpoint / "nope")).run()
    assert "not found" in plain(at.error[0].value)


# --------------------------------------------------------------------------------- helpers and CLI
def test_uploads_are_parsed_from_memory_with_clear_errors():
    from dnahlm.errors import UserInputError
    from dnahlm.ui.uploads import check_upload, parse_pasted, read_sequences, safe_name

    assert parse_pasted(" acgt\nNN ") == [("query", "ACGTNN")]
    assert parse_pasted(">a first\nACGT\n>b\nGG\nCC\n") == [("a", "ACGT"), ("b", "GGCC")]
    assert read_sequences("x.fasta.gz", gzip.compress(b">r1\nAC\n>r2\nGT\n"), limit=1) == [("r1", "AC")]
    with pytest.raises(UserInputError, match="paste a DNA sequence"):
        parse_pasted("  ")
    with pytest.raises(UserInputError, match=r"x.fa:r2.*position 3"):
        read_sequences("x.fa", b">r1\nAC\n>r2\nGTU\n")
    with pytest.raises(UserInputError, match="no fasta records"):
        read_sequences("x.fa", b"")
    with pytest.raises(
        UserInputError,
        match=r"^x\.fa: not readable as fasta \(text before the first '>' header line; a FASTA record starts with '>id'\)$",
    ):
        read_sequences("x.fa", b"just text\n")
    with pytest.raises(UserInputError, match="is empty"):
        check_upload("e.fa", 0, (".fa",), 1)
    check_upload("ok.FA.gz", 10, (".fa",), 1)
    assert safe_name("../../etc/pass wd.fa") == "pass_wd.fa"


def test_gc_profile_slides_a_window_and_skips_n():
    from dnahlm.ui.predicting import gc_profile

    prof = gc_profile("GGGGAAAA", 4)
    assert list(prof["gc"]) == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert list(prof["position"]) == [2.5, 3.5, 4.5, 5.5, 6.5]
    assert list(gc_profile("GCNN", 2)["gc"].fillna(-1)) == [1.0, 1.0, -1]
    assert len(gc_profile("ACGT" * 5000, 50, max_points=100)) <= 100


def test_card_reads_eval_json_beside_the_weights(tiny_checkpoint):
    from dnahlm.errors import ModelNotFoundError
    from dnahlm.ui.card import read_card

    (tiny_checkpoint / "eval-knn.json").write_text(
        json.dumps(
            {
                "task": "motif",
                "method": "knn",
                "model": "x",
                "n": 40,
                "accuracy": 0.9,
                "macro_f1": 0.89,
                "mcc": 0.8,
                "lenient_accuracy": 0.9,
                "seconds": 1.0,
                "per_class": {},
            }
        )
    )
    card = read_card(tiny_checkpoint)
    assert card.architecture["layers"] == 2 and card.architecture["width"] == 64
    assert card.results == [
        {
            "task": "motif",
            "method": "knn",
            "source": "eval-knn.json",
            "n": 40,
            "accuracy": 0.9,
            "macro_f1": 0.89,
            "mcc": 0.8,
            "lenient_accuracy": 0.9,
        }
    ]
    with pytest.raises(ModelNotFoundError, match=r"config\.json missing"):
        read_card(tiny_checkpoint.parent)


def test_cli_ui_builds_a_headless_local_streamlit_command(tmp_path, capsys):
    from dnahlm.cli.main import main
    from dnahlm.cli.ui import app_environment, streamlit_command

    cmd = streamlit_command(8765)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and Path(cmd[4]) == APP
    opts = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert opts["--server.headless"] == "true" and opts["--server.address"] == "127.0.0.1"
    assert opts["--server.port"] == "8765" and opts["--browser.gatherUsageStats"] == "false"
    assert opts["--client.toolbarMode"] == "viewer"
    env = app_environment(tmp_path / "idx", None, max_upload_mb=7)
    assert env["DNAHLM_UI__INDEX"] == str(tmp_path / "idx") and env["DNAHLM_UI__MAX_UPLOAD_MB"] == "7"
    assert (
        env["HF_HUB_OFFLINE"] == "1"
        and app_environment(None, None, no_index=True)["DNAHLM_UI__INDEX"] == "none"
    )
    assert main(["ui", "--index", str(tmp_path), "--no-index"]) == 2
    assert main(["ui", "--model", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "dnahlm ui: error: give --index DIR or --no-index, not both" in err
    assert "not a checkpoint folder (config.json missing)" in err
