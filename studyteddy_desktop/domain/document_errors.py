"""Why a document could not be read, each with a message for the student."""

from __future__ import annotations

from studyteddy_desktop.domain.errors import StudyTeddyError


class DocumentProblem(StudyTeddyError):
    """A file that Study Teddy cannot index; `status` says which document state it leads to."""

    status = "failed"


class UnsupportedFileTypeError(DocumentProblem):
    pass


class DamagedFileError(DocumentProblem):
    pass


class PasswordRequiredError(DocumentProblem):
    status = "needs_password"


class WrongPasswordError(DocumentProblem):
    status = "needs_password"


class NoExtractableTextError(DocumentProblem):
    status = "no_text"


class ExtractionLimitError(DocumentProblem):
    pass


class SourceFileMissingError(DocumentProblem):
    pass


PROBLEMS_BY_NAME: dict[str, type[DocumentProblem]] = {
    cls.__name__: cls for cls in (UnsupportedFileTypeError, DamagedFileError, PasswordRequiredError,
                                  WrongPasswordError, NoExtractableTextError, ExtractionLimitError,
                                  SourceFileMissingError)
}
