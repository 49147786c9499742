"""The model manager: which GGUF files the tutor may use, and the settings that persist."""

from __future__ import annotations

import shutil

import pytest

from studyteddy_desktop.ai.model_files import default_llm_path
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.services.tutor.language_models import LanguageModels
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.study_preferences import StudyPreferences


@pytest.fixture()
def models(database) -> LanguageModels:
    return LanguageModels(StudyPreferences(database, LocalStudent(database)))


def test_the_bundled_model_is_listed_and_active_by_default(models):
    listed = models.list_models()
    assert [m.bundled for m in listed] == [True] and listed[0].active and listed[0].problem is None
    assert models.settings() == LanguageModelSettings()


def test_an_added_model_can_be_selected_tuned_and_removed(models, tmp_path):
    copy = tmp_path / "Bigger-Model.Q4_K_M.gguf"
    shutil.copyfile(default_llm_path(), copy)
    added = models.add_model(copy)
    assert added.name == "Bigger-Model.Q4_K_M" and not added.active and added.size_bytes > 1_000_000
    assert models.add_model(copy) == added  # adding twice lists it once
    chosen = models.set_settings(LanguageModelSettings(model_path=str(copy), context_size=8192, threads=3))
    assert chosen == LanguageModelSettings(str(copy), 8192, 3)
    assert [m.active for m in models.list_models()] == [False, True]
    copy.unlink()
    assert models.list_models()[1].problem == "The file is missing."
    models.remove_model(str(copy))
    assert models.settings().model_path is None and len(models.list_models()) == 1


def test_bad_model_files_and_settings_are_refused(models, tmp_path):
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(InvalidInputError, match="not a GGUF model file"):
        models.add_model(fake)
    with pytest.raises(InvalidInputError, match="missing"):
        models.add_model(tmp_path / "absent.gguf")
    with pytest.raises(InvalidInputError, match="Add the model file first"):
        models.set_settings(LanguageModelSettings(model_path=str(fake)))
    with pytest.raises(InvalidInputError, match="context size"):
        models.set_settings(LanguageModelSettings(context_size=1000))
    with pytest.raises(InvalidInputError, match="Threads"):
        models.set_settings(LanguageModelSettings(threads=0))
    with pytest.raises(NotFoundError, match="bundled one stays"):
        models.remove_model(str(default_llm_path()))
    assert models.list_models()[0].active
