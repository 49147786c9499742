"""The tutor's question box under a school policy: greyed out with the reason, and back when allowed."""

from __future__ import annotations

from studyteddy_desktop.ui.tutor.composer import Composer

EXAM = "The tutor is off during exam time set by your school. You can ask again from 12:00."


def test_asking_is_greyed_out_with_the_reason_and_comes_back_when_exam_time_ends(qtbot):
    reason = [EXAM]
    composer = Composer(refusal=lambda: reason[0])
    qtbot.addWidget(composer)
    composer.show()
    assert composer.blocked_reason == EXAM
    assert not composer.question_edit.isEnabled() and not composer.send_button.isEnabled()
    assert not composer.general_knowledge_box.isEnabled()
    assert composer.message.isVisible() and EXAM in composer.message.text()
    assert composer.policy_gate.blocks()

    reason[0] = None
    assert not composer.policy_gate.blocks()
    assert composer.question_edit.isEnabled() and composer.send_button.isEnabled()
    assert composer.mode_combo.isEnabled() and not composer.message.isVisible()


def test_without_a_policy_nothing_is_greyed(qtbot):
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    assert not composer.policy_gate.blocks()
    assert composer.question_edit.isEnabled() and composer.send_button.isEnabled()
    assert not composer.message.isVisible()
