"""The LangChain ``DNAHLM`` LLM: a local DNAHLM checkpoint behind LangChain's text-completion interface.

Shaped like a LangChain partner package (cf. langchain-huggingface's ``HuggingFacePipeline``): pydantic
fields, the heavy loading in :meth:`DNAHLM.from_pretrained`, ``_llm_type``, ``_identifying_params``,
batched generation in ``_generate``, streaming in ``_stream``, and stop sequences.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from pydantic import ConfigDict, Field

from dnahlm.backed import ModelBacked
from dnahlm.generate import SamplingConfig, generate, stream
from dnahlm.model import load_model

DEFAULT_STOP = ("### Instruction:", "### Input:", "### Response:")
"""The model was tuned on Alpaca blocks; a new block header means the answer is over."""


class DNAHLM(ModelBacked, LLM):
    """A DNAHLM checkpoint as a LangChain LLM.

    Example:
        .. code-block:: python

            from dnahlm.llm import DNAHLM
            from dnahlm.prompts import format_instruction

            llm = DNAHLM.from_pretrained()  # the embedded dnahlm-tiny, or DNAHLM.from_pretrained("path/to/ckpt")
            prompt = format_instruction("Determine whether this human DNA sequence is a promoter. "
                                        "Answer with one of: non-promoter, promoter.", "TATAAAAGGCGC...")
            print(llm.invoke(prompt))
            for piece in llm.stream(prompt):
                print(piece, end="")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    max_new_tokens: int = Field(default=64, ge=1, description="Most tokens to generate per prompt.")
    temperature: float = Field(default=0.0, ge=0.0, description="0 is greedy decoding.")
    top_k: int = Field(default=0, ge=0, description="Sample among the k most likely tokens (0: all).")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0, description="Nucleus sampling mass.")
    seed: int | None = Field(default=None, description="Seed for sampling (None: torch's global generator).")
    batch_size: int = Field(default=8, ge=1, description="Prompts generated together in one batch.")
    stop_sequences: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STOP),
        description="Always-on stop strings, besides those passed per call.",
    )

    @classmethod
    def from_pretrained(
        cls, path: str | Path | None = None, *, device: str | None = None, **kwargs: Any
    ) -> DNAHLM:
        """Load a checkpoint folder (None: the embedded default) and wrap it."""
        return cls.from_loaded(load_model(path, device=device), **kwargs)

    @property
    def _llm_type(self) -> str:
        return "dnahlm"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "seed": self.seed,
        }

    def _sampling(self, **kwargs: Any) -> SamplingConfig:
        fields = ("max_new_tokens", "temperature", "top_k", "top_p", "seed")
        return SamplingConfig(**{f: kwargs.get(f, getattr(self, f)) for f in fields})

    def _stops(self, stop: list[str] | None) -> list[str]:
        return [*self.stop_sequences, *(stop or [])]

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return self._generate([prompt], stop=stop, run_manager=run_manager, **kwargs).generations[0][0].text

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        m = self.loaded
        cfg = self._sampling(**kwargs)
        texts: list[str] = []
        for i in range(0, len(prompts), self.batch_size):
            texts.extend(
                generate(
                    m.model, m.tokenizer, prompts[i : i + self.batch_size], config=cfg, stop=self._stops(stop)
                )
            )
        return LLMResult(
            generations=[[Generation(text=t)] for t in texts], llm_output={"model_path": self.model_path}
        )

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        m = self.loaded
        for piece in stream(
            m.model, m.tokenizer, prompt, config=self._sampling(**kwargs), stop=self._stops(stop)
        ):
            chunk = GenerationChunk(text=piece)
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
