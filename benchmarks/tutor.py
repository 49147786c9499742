"""Tutor: time to first token, generation speed against raw llama-cpp-python, Stop latency, grounding.

Run: .venv/bin/python benchmarks/tutor.py [--rounds 1] [--stops 8] [--grounding-only]
Targets (2 cores, the bundled model): time from asking to the first token at the client, retrieval
included, p50 under 1.0 s; generation speed within 10% of raw llama-cpp-python on the same model
file, prompts and settings, measured in the same run; Stop ends an answer within 300 ms.
Grounding is scored on the labelled questions of tutor_questions.py, the tuning set the grounding
threshold was chosen on and a held-out set beside it: how often the top cited source is the right
document and page, and how precise and complete the "not in your documents" refusals are. The
threshold sweep picks its best threshold on the tuning set alone and shows how that and the app's
GROUNDED_SIMILARITY fare on the held-out set.
Faithfulness (gold facts, verbatim quotes, supported sentences) on real documents has its own
benchmark: .venv/bin/python benchmarks/tutor_faithfulness.py [--part tuning|held-out|both] [--limit N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine_cpu import cpu_line, load_line  # noqa: E402
from sample_statistics import percentile  # noqa: E402

from tutor_questions import DOCUMENTS, HELD_OUT_QUESTIONS, TUNING_QUESTIONS, LabelledQuestion  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.domain.tutor_dto import EVENT_FINISHED, EVENT_SOURCES, EVENT_TOKENS  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.assembly import open_services  # noqa: E402
from studyteddy_desktop.services.app_services import AppServices  # noqa: E402
from studyteddy_desktop.services.core.event_channel import open_event_subscription  # noqa: E402
from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import GROUNDED_SIMILARITY  # noqa: E402

TARGET_FIRST_TOKEN_S = 1.0
TARGET_SPEED_RATIO = 0.9
TARGET_STOP_S = 0.3
_CITED = re.compile(r"\[(\d{1,2})\]")
QUESTION_SETS = {"tuning": TUNING_QUESTIONS, "held-out": HELD_OUT_QUESTIONS}
GROUNDING_ROWS = ("questions (answerable + not)", "top cited: right document and page",
                  "top cited: right document", "refusal recall (unanswerable refused)",
                  "refusal precision (refusals that were right)",
                  "answerable wrongly refused")
SWEPT_THRESHOLDS = (0.20, 0.25, 0.28, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55)


@dataclass
class Answer:
    label: LabelledQuestion
    interaction_id: uuid.UUID
    first_token_s: float | None = None
    finished_s: float = 0.0
    token_times: list[float] = field(default_factory=list)
    grounded: bool | None = None
    sources: list[dict] = field(default_factory=list)
    text: str = ""
    completion_tokens: int = 0


def import_documents(services: AppServices, folder: Path, *, wait_for_summaries: bool = True) -> None:
    from fpdf import FPDF

    ids = []
    for title, pages in DOCUMENTS.items():
        pdf = FPDF()
        pdf.set_font("Helvetica", size=11)
        for text in pages:
            pdf.add_page()
            pdf.multi_cell(0, 5, text)
        path = folder / f"{title.replace(':', ' -')}.pdf"
        pdf.output(str(path))
        outcome = services.documents.import_file(path)
        services.documents.rename(outcome.document.id, title)
        ids.append(outcome.document.id)
    deadline = time.monotonic() + 600
    while any(services.documents.get(i).status != "ready" for i in ids):
        if time.monotonic() > deadline:
            raise SystemExit("the documents were not indexed within 10 minutes")
        time.sleep(0.2)
    # Summaries are written after indexing, with the same model: wait for them, so they do not compete.
    while wait_for_summaries and any(not services.documents.get(i).summary for i in ids):
        if time.monotonic() > deadline:
            raise SystemExit("the document summaries were not written within 10 minutes")
        time.sleep(0.2)


def ask(services: AppServices, subscription, label: LabelledQuestion, *, stop_after_first: bool = False):
    started = time.perf_counter()
    asked = services.tutor.ask(label.question)
    answer = Answer(label, asked.id)
    stop_sent = None
    while True:
        event = subscription.next_event(timeout=60)
        if event is None:
            raise SystemExit(f"no answer to {label.question!r} within a minute")
        if event.data.get("interaction_id") != str(asked.id):
            continue
        now = time.perf_counter() - started
        if event.kind == EVENT_SOURCES:
            answer.grounded, answer.sources = event.data["grounded"], event.data["sources"]
        elif event.kind == EVENT_TOKENS:
            answer.token_times.append(now)
            if answer.first_token_s is None:
                answer.first_token_s = now
                if stop_after_first:
                    stop_sent = time.perf_counter()
                    services.tutor.cancel(asked.id)
        elif event.kind == EVENT_FINISHED:
            answer.finished_s = now
            answer.text = event.data.get("answer", "")
            answer.completion_tokens = int(event.data.get("completion_tokens") or 0)
            return answer, (time.perf_counter() - stop_sent if stop_sent is not None else None)


def top_cited(answer: Answer) -> dict | None:
    """The most relevant source the answer cites; source [1] when it cites none."""
    numbers = sorted({int(n) for n in _CITED.findall(answer.text)})
    by_number = {source["number"]: source for source in answer.sources}
    for number in numbers:
        if number in by_number:
            return by_number[number]
    return by_number.get(1)


def raw_speed(services: AppServices, data_dir: Path, answers: list[Answer]) -> tuple[float, float]:
    """Tokens/s of the app's answers (at the client) and of raw llama-cpp-python on the same prompts."""
    from llama_cpp import Llama

    from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
    from studyteddy_desktop.ai.llm_runtime import SamplingSettings
    from studyteddy_desktop.runtime.paths import DataPaths
    from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import ANSWER_TOKENS, TutorAnswerer

    settings = services.language_models.settings()
    slot = LanguageModelSlot(DataPaths(data_dir).models_dir)
    model = slot.get(settings).model
    answerer = TutorAnswerer(services.database, services.search, slot, lambda: settings, services.shared_store,
                             lambda _event: None)
    raw = Llama(model_path=str(model.path), n_ctx=settings.context_size, n_threads=settings.threads,
                n_threads_batch=settings.threads, verbose=False)
    sampling = SamplingSettings(max_tokens=ANSWER_TOKENS)
    app_rates, raw_rates = [], []
    for answer in answers:
        if answer.completion_tokens < 20 or len(answer.token_times) < 2:
            continue
        app_rates.append((answer.completion_tokens - 1) / (answer.token_times[-1] - answer.first_token_s))
        prompt = answerer.compose(answer.interaction_id, model).prompt
        raw.reset()
        times = []
        for _piece in raw.create_completion(prompt, max_tokens=sampling.max_tokens, temperature=sampling.temperature,
                                            top_p=sampling.top_p, repeat_penalty=sampling.repeat_penalty,
                                            stream=True):
            times.append(time.perf_counter())
        if len(times) >= 20:
            raw_rates.append((len(times) - 1) / (times[-1] - times[0]))
    return statistics.median(app_rates), statistics.median(raw_rates)


def best_similarities(services: AppServices) -> dict[str, list[tuple[LabelledQuestion, float]]]:
    """Each question's best passage similarity, by set: what the grounding decision compares."""
    scored = {}
    for name, questions in QUESTION_SETS.items():
        scored[name] = []
        for label in questions:
            hits = services.search.search(label.question, limit=6)
            scored[name].append((label, max((hit.similarity or 0.0 for hit in hits), default=0.0)))
    return scored


def correct_decisions(scored: list[tuple[LabelledQuestion, float]], threshold: float) -> tuple[int, int]:
    """(answerable kept, unanswerable refused) at `threshold`."""
    kept = sum(1 for label, similarity in scored if label.document and similarity >= threshold)
    refused = sum(1 for label, similarity in scored if not label.document and similarity < threshold)
    return kept, refused


def tuned_threshold(scored: list[tuple[LabelledQuestion, float]]) -> float:
    """The swept threshold with the most right decisions; of several, the middle one, farthest from both."""
    rights = {threshold: sum(correct_decisions(scored, threshold)) for threshold in SWEPT_THRESHOLDS}
    best = [threshold for threshold, right in rights.items() if right == max(rights.values())]
    return best[len(best) // 2]


def threshold_sweep(scored: dict[str, list[tuple[LabelledQuestion, float]]]) -> None:
    tuning, held_out = scored["tuning"], scored["held-out"]
    print(f"\n  {'best-passage similarity':<28}{'tuning':<28}held-out")
    for answerable, side in ((True, "answerable, lowest"), (False, "unanswerable, highest")):
        pick = min if answerable else max
        figures = [pick(similarity for label, similarity in pairs if bool(label.document) == answerable)
                   for pairs in (tuning, held_out)]
        print(f"  {side:<28}{figures[0]:<28.3f}{figures[1]:.3f}")
    tuned = tuned_threshold(tuning)
    print(f"\n  {'threshold':<28}{'tuning':<28}held-out")
    for threshold in sorted({*SWEPT_THRESHOLDS, GROUNDED_SIMILARITY}):
        marks = [mark for mark, at in (("app", GROUNDED_SIMILARITY), ("tuned", tuned)) if at == threshold]
        row = "".join(f"{_kept_refused(pairs, threshold):<28}" for pairs in (tuning, held_out))
        print(f"  {threshold:<28.2f}{row}{' '.join(marks)}")
    print(f"tuned on the tuning set alone: {tuned:.2f}; "
          f"the app's GROUNDED_SIMILARITY: {GROUNDED_SIMILARITY:.2f}")
    for name, pairs in scored.items():
        wrong = [(label, similarity) for label, similarity in pairs
                 if bool(label.document) != (similarity >= GROUNDED_SIMILARITY)]
        print(f"{name}: decided wrongly at {GROUNDED_SIMILARITY:.2f}: {len(wrong)}")
        for label, similarity in wrong:
            print(f"  {similarity:.3f}  {'kept' if label.document is None else 'refused'}: {label.question}")


def _kept_refused(pairs: list[tuple[LabelledQuestion, float]], threshold: float) -> str:
    kept, refused = correct_decisions(pairs, threshold)
    answerable = sum(1 for label, _ in pairs if label.document)
    return f"{kept:>2}/{answerable} kept, {refused:>2}/{len(pairs) - answerable} refused"


def grounding_rows(answers: list[Answer]) -> list[str]:
    """The grounding figures of one question set's answers, one cell a row."""
    answerable = [a for a in answers if a.label.document]
    unanswerable = [a for a in answers if not a.label.document]
    right_page = sum(1 for a in answerable if (s := top_cited(a)) and s["document_title"] == a.label.document
                     and s["page"] == a.label.page)
    right_document = sum(1 for a in answerable
                         if (s := top_cited(a)) and s["document_title"] == a.label.document)
    refused = sum(1 for a in unanswerable if a.grounded is False)
    wrongly_refused = sum(1 for a in answerable if a.grounded is False)
    precision = f"{refused / (refused + wrongly_refused):.0%}" if refused + wrongly_refused else "-"
    return [f"{len(answerable)} + {len(unanswerable)}",
            _share(right_page, len(answerable)), _share(right_document, len(answerable)),
            _share(refused, len(unanswerable)), precision, _share(wrongly_refused, len(answerable))]


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({count / total:.0%})" if total else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="times to ask the whole question set")
    parser.add_argument("--stops", type=int, default=8, help="answers to stop after their first token")
    parser.add_argument("--grounding-only", action="store_true",
                        help="only the retrieval side of grounding (the sweep), without asking the model")
    args = parser.parse_args()
    print(cpu_line())
    everything = [label for questions in QUESTION_SETS.values() for label in questions]
    with tempfile.TemporaryDirectory(prefix="studyteddy-tutor-bench-") as temp:
        data_dir = Path(temp) / "data"
        runtime = ServiceRuntime(Settings(data_dir=data_dir))
        runtime.start()
        services = open_services(runtime.endpoints)
        subscription = open_event_subscription(runtime.endpoints.redis_url, runtime.endpoints.database_url)
        try:
            import_documents(services, Path(temp), wait_for_summaries=not args.grounding_only)
            if args.grounding_only:
                threshold_sweep(best_similarities(services))
                print(f"at the end: {load_line()}")
                return 0
            ask(services, subscription, everything[0])  # warm: first use of the search path in this process
            answers = [ask(services, subscription, label)[0]
                       for _ in range(args.rounds) for label in everything]
            answerable = [label for label in TUNING_QUESTIONS if label.document]
            stops = [ask(services, subscription, answerable[i % len(answerable)], stop_after_first=True)[1]
                     for i in range(args.stops)]
            app_rate, raw_rate = raw_speed(services, data_dir, answers)
            threshold_sweep(best_similarities(services))
        finally:
            subscription.close()
            services.close()
            runtime.stop()

    firsts = [a.first_token_s for a in answers if a.first_token_s is not None]
    p50, p95 = statistics.median(firsts), percentile(firsts, 0.95)
    stop_p50, stop_max = statistics.median(stops), max(stops)
    print(f"\nquestions asked: {len(answers)} ({args.rounds} round(s) of {len(everything)})")
    print(f"time to first token (ask -> first token at the client, retrieval included): p50 {p50:.3f} s, "
          f"p95 {p95:.3f} s; target p50 < {TARGET_FIRST_TOKEN_S:.1f} s, ratio {p50 / TARGET_FIRST_TOKEN_S:.2f}")
    print(f"generation speed: app {app_rate:.1f} tokens/s, raw llama-cpp-python {raw_rate:.1f} tokens/s; "
          f"ratio {app_rate / raw_rate:.2f} (target >= {TARGET_SPEED_RATIO:.2f})")
    print(f"stop latency (cancel -> finished event): p50 {stop_p50 * 1000:.0f} ms, max {stop_max * 1000:.0f} ms; "
          f"target <= {TARGET_STOP_S * 1000:.0f} ms, ratio {stop_max / TARGET_STOP_S:.2f}")
    columns = [grounding_rows([a for a in answers if a.label in questions])
               for questions in QUESTION_SETS.values()]
    print(f"\ngrounding at GROUNDED_SIMILARITY {GROUNDED_SIMILARITY:.2f}".ljust(48)
          + "".join(f"{name:<20}" for name in QUESTION_SETS))
    for row, cells in zip(GROUNDING_ROWS, zip(*columns, strict=True), strict=True):
        print(f"  {row:<46}" + "".join(f"{cell:<20}" for cell in cells))
    print(f"at the end: {load_line()}")
    ok = p50 < TARGET_FIRST_TOKEN_S and app_rate / raw_rate >= TARGET_SPEED_RATIO and stop_max <= TARGET_STOP_S
    print("targets met" if ok else "targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
