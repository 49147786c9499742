"""The Tutor pane's style sheet: answer cards, quotes from the documents, banners and links."""

from __future__ import annotations

TUTOR_STYLE = """
QFrame#answerCard { border: 1px solid palette(mid); border-radius: 8px; background: palette(base); }
QLabel#questionBubble { background: palette(alternate-base); border: 1px solid palette(midlight);
                        border-radius: 8px; padding: 6px 10px; }
QLabel#notInDocuments { background: palette(tool-tip-base); color: palette(tool-tip-text);
                        border: 1px solid palette(mid); border-left: 4px solid palette(highlight);
                        border-radius: 4px; padding: 6px 8px; }
QLabel#generalKnowledge { border: 1px solid palette(mid); border-left: 4px solid palette(dark);
                          border-radius: 4px; padding: 6px 8px; }
QLabel#tutorNotice { border-left: 4px solid palette(mid); padding: 4px 8px; }
QLabel#answerStats, QLabel#answerStatus, QLabel#answerSupport { color: palette(placeholder-text); }
QLabel#answerCut { font-style: italic; }
QLabel#quoteText { background: palette(alternate-base); border-left: 3px solid palette(highlight);
                   padding: 6px 10px; }
QPushButton#sourceLink, QPushButton#quoteSource { text-align: left; color: palette(link); border: none;
                                                  padding: 2px 4px; }
QPushButton#quoteSource { padding-left: 13px; }
QPushButton#sourceLink:hover, QPushButton#sourceLink:focus, QPushButton#quoteSource:hover,
QPushButton#quoteSource:focus { text-decoration: underline; }
QToolButton#ratingStar { font-size: 13pt; padding: 0 1px; }
QPushButton#exampleQuestion { text-align: left; padding: 6px 12px; }
"""
