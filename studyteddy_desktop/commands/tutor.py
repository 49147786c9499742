"""`studyteddy ask` and `studyteddy threads`: the tutor from a terminal, streamed as it is written."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from typing import TYPE_CHECKING

from studyteddy_desktop.commands.documents import documents_named
from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import InvalidInputError, ServiceUnavailableError
from studyteddy_desktop.domain.tutor_dto import (
    CUT_FOR_REPETITION,
    EXPLANATION_NOTE,
    EXPLANATION_TITLE,
    EVENT_FINISHED,
    EVENT_NOTICE,
    EVENT_SOURCES,
    EVENT_TOKENS,
    GENERAL_KNOWLEDGE_LABEL,
    NOT_IN_DOCUMENTS,
    InteractionDTO,
    QuoteDTO,
    SourceDTO,
    support_text,
)

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

# The first answer after a cold start waits for the model to load; later ones start within a second.
_SILENCE_LIMIT_S = 180.0
EXPLANATION_LABEL = f"{EXPLANATION_TITLE} · {EXPLANATION_NOTE}"
# Document text is untrusted: an escape sequence in it must not reach the terminal and restyle or rewrite it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The answer is Markdown for the window; a terminal shows "Fill in the blank:" better than "blank\:".
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|~&:@#!()+=.-])")
GENERAL_KNOWLEDGE_TOO_SMALL = ("The model in use is too small to answer from general knowledge without inventing; "
                               "add a larger one with Settings → Tutor model. Only your documents are used.")


def register(commands: argparse._SubParsersAction) -> None:
    ask = commands.add_parser("ask", help="ask the tutor; the answer streams in, with its sources")
    ask.add_argument("question")
    ask.add_argument("--doc", action="append", metavar="NAME", help="only use this document (repeatable)")
    ask.add_argument("--subject", help="only use documents with this subject")
    ask.add_argument("--thread", metavar="ID", help="continue this conversation (see `studyteddy threads`)")
    ask.add_argument("--mode", choices=("explain", "quiz", "summarise"), default="explain")
    ask.add_argument("--general-knowledge", action="store_true",
                     help="when your documents do not cover the question, let a large enough model answer from "
                          "general knowledge, labelled as such")
    ask.add_argument("--json", action="store_true", help="print the finished answer as JSON")
    ask.set_defaults(handler=run_ask)

    threads = commands.add_parser("threads", help="list your tutor conversations")
    threads.add_argument("--json", action="store_true")
    threads.set_defaults(handler=run_threads)


def _thread_id(text: str | None) -> uuid.UUID | None:
    if text is None:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInputError(f"“{text}” is not a conversation id; `studyteddy threads` lists them.") from None


def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    from studyteddy_desktop.services.core.event_channel import open_event_subscription

    thread_id = _thread_id(args.thread)
    with running_services(settings) as services:
        document_ids = documents_named(services, args.doc) if args.doc else None
        if args.general_knowledge and not any(model.active and model.general_knowledge
                                              for model in services.language_models.list_models()):
            print(f"({GENERAL_KNOWLEDGE_TOO_SMALL})", file=sys.stderr)
        # Listen before asking, so not even the first token can slip past.
        subscription = open_event_subscription(services.endpoints.redis_url, services.endpoints.database_url)
        try:
            asked = services.tutor.ask(args.question, thread_id=thread_id, mode=args.mode,
                                       document_ids=document_ids, subject=args.subject,
                                       general_knowledge=args.general_knowledge)
            try:
                _follow(services, subscription, asked, stream=not args.json)
            except KeyboardInterrupt:
                services.tutor.cancel(asked.id)
                print("\nStopped.", file=sys.stderr)
                return 130
        finally:
            subscription.close()
        final = services.tutor.interaction(asked.id)
    if args.json:
        print(json.dumps(_as_json(final), ensure_ascii=False, indent=2))
    else:
        _print_footer(final)
        _print_sources(final)
    if final.status == "failed":
        print(f"studyteddy: {final.error}", file=sys.stderr)
        return 1
    return 0


def _follow(services: AppServices, subscription, asked: InteractionDTO, *, stream: bool) -> None:
    """Print the answer's events until it is finished (or the worker has gone quiet for too long)."""
    wanted = str(asked.id)
    last_heard = time.monotonic()
    grounded: bool | None = None
    explaining = False
    while True:
        event = subscription.next_event(timeout=0.5)
        if event is None or event.data.get("interaction_id") != wanted:
            if time.monotonic() - last_heard > _SILENCE_LIMIT_S:
                if services.tutor.interaction(asked.id).status != "generating":
                    return
                raise ServiceUnavailableError("The background worker stopped answering. Try again; "
                                              "`studyteddy doctor` shows what is wrong.")
            continue
        last_heard = time.monotonic()
        if event.kind == EVENT_SOURCES and stream:
            grounded = bool(event.data.get("grounded"))
            if grounded:
                _print_quotes([QuoteDTO.from_json(item) for item in event.data.get("quotes", ())],
                              [SourceDTO.from_json(item) for item in event.data.get("sources", ())])
            else:
                print(NOT_IN_DOCUMENTS, flush=True)
        elif event.kind == EVENT_NOTICE:
            print(f"({event.message})", file=sys.stderr, flush=True)
        elif event.kind == EVENT_TOKENS and stream:
            text = str(event.data.get("text", ""))
            if not explaining and text.strip():
                explaining = True
                # A quiz is written from the passages, not by the model: it needs no label of the model's.
                if asked.mode != "quiz":
                    print(f"\n{GENERAL_KNOWLEDGE_LABEL}" if grounded is False else f"{EXPLANATION_LABEL}:",
                          flush=True)
                text = text.lstrip()
            print(_MARKDOWN_ESCAPE.sub(r"\1", text), end="", flush=True)
        elif event.kind == EVENT_FINISHED:
            if stream and explaining:
                print(flush=True)
            return


def _print_quotes(quotes: list[QuoteDTO], sources: list[SourceDTO]) -> None:
    """The sentences of the documents that answer the question, verbatim, before any word of the model."""
    by_number = {source.number: source for source in sources}
    shown = [(quote, by_number[quote.source_number]) for quote in quotes
             if quote.text.strip() and quote.source_number in by_number]
    if not shown:
        return
    print("From your documents:")
    for quote, source in shown:
        where = f", {source.page_label}" if source.page_label else ""
        text, title = (_CONTROL.sub("", value) for value in (quote.text.strip(), source.document_title))
        print(f"  “{text}”\n    — {title}{where}")
    print(flush=True)


def _print_footer(final: InteractionDTO) -> None:
    if final.cut_for_repetition:
        print(f"({CUT_FOR_REPETITION})")
    support = support_text(final.checked_sentences, final.supported_sentences)
    if support:
        print(f"\n{support}")


def _print_sources(final: InteractionDTO) -> None:
    if final.status == "cancelled":
        print("(stopped)")
    if not final.sources:
        return
    print("\nSources:")
    for source in final.sources:
        where = f", {source.page_label}" if source.page_label else ""
        print(f"  [{source.number}] {source.document_title}{where}")


def _source_json(source: SourceDTO) -> dict:
    values = source.to_json()
    values.pop("char_start")
    values.pop("char_end")
    return values


def _quote_json(quote: QuoteDTO, sources: dict[int, SourceDTO]) -> dict:
    source = sources.get(quote.source_number)
    return {**quote.to_json(), "document_title": source.document_title if source else None,
            "page": source.page if source else None}


def _as_json(final: InteractionDTO) -> dict:
    sources = {source.number: source for source in final.sources}
    general = final.grounded is False and bool(final.answer.strip())
    return {"interaction_id": str(final.id), "thread_id": str(final.thread_id), "mode": final.mode,
            "question": final.question, "grounded": final.grounded,
            "not_in_documents": None if final.grounded else NOT_IN_DOCUMENTS,
            "quotes": [_quote_json(quote, sources) for quote in final.quotes], "answer": final.answer,
            "general_knowledge": final.general_knowledge,
            "general_knowledge_label": GENERAL_KNOWLEDGE_LABEL if general else None,
            "checked_sentences": final.checked_sentences, "supported_sentences": final.supported_sentences,
            "cut_for_repetition": final.cut_for_repetition,
            "status": final.status, "error": final.error, "sources": [_source_json(s) for s in final.sources],
            "model": final.model_name, "prompt_tokens": final.prompt_tokens,
            "completion_tokens": final.completion_tokens, "first_token_ms": final.first_token_ms,
            "first_shown_ms": final.first_shown_ms, "latency_ms": final.latency_ms}


def run_threads(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        threads = services.tutor.list_threads()
    if args.json:
        print(json.dumps([{"id": str(t.id), "title": t.title, "questions": t.interaction_count,
                           "updated_at": t.updated_at.isoformat()} for t in threads], ensure_ascii=False, indent=2))
        return 0
    if not threads:
        print("No conversations yet. Ask something with `studyteddy ask \"QUESTION\"`.")
    for thread in threads:
        print(f"{thread.id}  {thread.title} ({thread.interaction_count} question"
              f"{'s' if thread.interaction_count != 1 else ''})")
    return 0
