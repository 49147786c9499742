"""The local language model: llama-cpp-python on the CPU, loaded once and kept warm."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from studyteddy_desktop.ai.model_files import looks_like_gguf
from studyteddy_desktop.domain.errors import LanguageModelError

log = logging.getLogger(__name__)

# Prompt tokens read between two looks at a stop request: about a quarter second on 2 cores.
_PREFILL_SLICE = 96
# How often a caller waiting for the first token looks at its stop condition.
_STOP_CHECK_S = 0.1

# Used when a GGUF file carries no chat template of its own.
_CHATML_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
                    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
                    "{{ '<|im_start|>assistant\n' }}{% endif %}")


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class SamplingSettings:
    """Low temperature: a tutor should stay close to its sources rather than be creative."""

    max_tokens: int = 400
    temperature: float = 0.3
    top_p: float = 0.9
    repeat_penalty: float = 1.15
    seed: int | None = None


class LocalLanguageModel:
    """One GGUF model in memory. Generation is serialised: llama.cpp contexts are not thread-safe."""

    def __init__(self, path: Path, *, context_size: int, threads: int, display_name: str | None = None) -> None:
        if not path.is_file():
            raise LanguageModelError(f"The language model file {path} is missing.")
        if not looks_like_gguf(path):
            raise LanguageModelError(f"{path.name} is not a GGUF language model file (it does not start with "
                                     "the GGUF signature).")
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        started = time.perf_counter()
        try:
            self._llm = Llama(model_path=str(path), n_ctx=context_size, n_threads=threads, n_threads_batch=threads,
                              verbose=False)
        except (ValueError, RuntimeError, OSError) as error:
            raise LanguageModelError(f"The language model {path.name} could not be loaded: it may be damaged "
                                     "or made for a newer llama.cpp.", details=repr(error)) from error
        self.path = path
        self.name = display_name or path.stem
        self.threads = threads
        metadata = self._llm.metadata
        vocab = self._llm._model
        eos = vocab.token_get_text(self._llm.token_eos()) if self._llm.token_eos() >= 0 else ""
        bos = vocab.token_get_text(self._llm.token_bos()) if self._llm.token_bos() >= 0 else ""
        self._formatter = Jinja2ChatFormatter(template=metadata.get("tokenizer.chat_template") or _CHATML_TEMPLATE,
                                              eos_token=eos, bos_token=bos)
        self._special_texts = tuple(text for text in {eos, bos, "<|im_start|>", "<|im_end|>", "<|endoftext|>"}
                                    if text)
        self._generator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm")
        log.info("Loaded %s (%d-token context, %d threads) in %.2f s", self.name, context_size, threads,
                 time.perf_counter() - started)

    @property
    def context_size(self) -> int:
        return self._llm.n_ctx()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def defuse(self, text: str) -> str:
        """Untrusted text with the model's control-token spellings broken, so a document cannot close
        the passage block or open a fake system turn."""
        for special in self._special_texts:
            text = text.replace(special, special.replace("<", "‹").replace(">", "›"))
        return text

    def chat_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The prompt as token ids, in the model's own chat format, ending where the answer begins."""
        rendered = self._formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
        return self._llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special,
                                  special=True)

    def warm_up(self, opening: Sequence[ChatMessage] = (ChatMessage("user", "Hello"),)) -> None:
        """Read a short chat once, so the first real question does not pay for first-use setup; an
        opening that starts like the real prompts also leaves their shared start in the cache."""
        prompt = self.chat_tokens(opening)
        for _piece in self.stream(prompt, SamplingSettings(max_tokens=1)):
            pass

    def stream(self, prompt: list[int], sampling: SamplingSettings,
               should_stop: Callable[[], bool] = lambda: False) -> Iterator[str]:
        """Yield the answer's text piece by piece; stops early when `should_stop()` turns true.

        Generation runs on the model's own thread, whoever asks: llama.cpp keeps a team of
        OpenMP threads per calling thread, and teams left behind by other callers kept spinning,
        halving the speed of every answer after the first (measured: ~38 against ~85 tokens/s).
        """
        room = self.context_size - len(prompt)
        if room < 16:
            raise LanguageModelError("The question and its passages fill the model's whole context.")
        pieces: queue.Queue[str | BaseException | None] = queue.Queue()
        stop = threading.Event()

        def generate() -> None:
            try:
                if not self._prefill(prompt, stop):
                    return
                completion = self._llm.create_completion(
                    prompt, max_tokens=min(sampling.max_tokens, room), temperature=sampling.temperature,
                    top_p=sampling.top_p, repeat_penalty=sampling.repeat_penalty, seed=sampling.seed, stream=True)
                try:
                    for piece in completion:
                        text = piece["choices"][0]["text"]
                        if text:
                            pieces.put(text)
                        if stop.is_set():
                            break
                finally:
                    completion.close()
            except BaseException as error:  # handed to the caller's thread
                pieces.put(error)
            finally:
                pieces.put(None)

        # The one model thread also makes generations take turns: a llama.cpp context is not thread-safe.
        self._generator.submit(generate)
        try:
            while True:
                try:
                    item = pieces.get(timeout=_STOP_CHECK_S)
                except queue.Empty:
                    # Still reading the prompt (or waiting for the model thread): a stop counts now too.
                    if should_stop():
                        return
                    continue
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
                if should_stop():
                    return
        finally:
            stop.set()

    def _prefill(self, prompt: list[int], stop: threading.Event) -> bool:
        """Read all but the prompt's last token in slices, checking `stop` between them; False if stopped.

        llama.cpp reads a prompt in one uninterruptible call, which for a long prompt held a Stop, or
        a summary that should make way for indexing, for seconds. The completion that follows finds
        these tokens already in the model's cache and reads only the last one.
        """
        llm = self._llm
        cached = llm.input_ids[:min(llm.n_tokens, len(prompt) - 1)]
        reused = 0
        while reused < len(cached) and cached[reused] == prompt[reused]:
            reused += 1
        llm.n_tokens = reused  # eval() drops whatever the cache holds past this point
        for start in range(reused, len(prompt) - 1, _PREFILL_SLICE):
            if stop.is_set():
                return False
            llm.eval(prompt[start:min(start + _PREFILL_SLICE, len(prompt) - 1)])
        return not stop.is_set()
