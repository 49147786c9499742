"""QtCharts charts for the Dashboard and Analytics, coloured to read on light and dark palettes."""

from __future__ import annotations

from PySide6.QtCharts import (QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QLineSeries,
                              QStackedBarSeries, QValueAxis)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

from studyteddy_desktop.domain.planner_dto import SubjectWeeks, WeekStats

# Tableau 10: distinct from each other and legible on both light and dark backgrounds.
SERIES_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f")


def new_chart_view(parent: QWidget | None = None, *, height: int = 240) -> QChartView:
    view = QChartView(parent)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(height)
    view.setStyleSheet("background: transparent;")
    return view


def _style(chart: QChart, palette: QPalette) -> None:
    """Transparent background, palette-coloured text and grid, so the system scheme shows through."""
    text = palette.color(QPalette.ColorRole.WindowText)
    grid = palette.color(QPalette.ColorRole.Mid)
    chart.setBackgroundVisible(False)
    chart.setPlotAreaBackgroundVisible(False)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setTitleBrush(text)
    chart.legend().setLabelColor(text)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    for axis in chart.axes():
        axis.setLabelsColor(text)
        axis.setGridLineColor(grid)
        axis.setLinePenColor(grid)
        axis.setTitleBrush(text)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 10
    for step in (10, 20, 30, 60, 90, 120, 180, 240, 300, 600, 900, 1200, 1800, 3600):
        if value <= step:
            return step
    return value * 1.1


def subject_chart(view: QChartView, weeks: SubjectWeeks, palette: QPalette) -> None:
    chart = QChart()
    chart.setTitle("Study time per subject (minutes per week)")
    series = QStackedBarSeries()
    totals = [0] * len(weeks.week_starts)
    for index, (subject, minutes) in enumerate(weeks.minutes_by_subject):
        bar_set = QBarSet(subject)
        bar_set.setColor(QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)]))
        bar_set.setBorderColor(QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)]))
        bar_set.append([float(value) for value in minutes])
        series.append(bar_set)
        totals = [total + value for total, value in zip(totals, minutes)]
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append([f"{start.day}/{start.month}" for start in weeks.week_starts])
    values = QValueAxis()
    values.setRange(0, _nice_max(max(totals, default=0)))
    values.applyNiceNumbers()
    values.setLabelFormat("%d")
    if not weeks.minutes_by_subject:
        chart.setTitle("Study time per subject: no focus sessions in the last 8 weeks yet")
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    series.attachAxis(values)
    chart.legend().setVisible(bool(weeks.minutes_by_subject))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    _style(chart, palette)
    _replace(view, chart)


def weekly_bar_chart(view: QChartView, title: str, weeks: tuple[WeekStats, ...], values: list[float],
                     colour: str, palette: QPalette) -> None:
    chart = QChart()
    chart.setTitle(title)
    series = QBarSeries()
    bar_set = QBarSet(title)
    bar_set.setColor(QColor(colour))
    bar_set.setBorderColor(QColor(colour))
    bar_set.append(values)
    series.append(bar_set)
    chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    axis_x.append(_week_labels(weeks))
    # Dozens of narrow bars leave no room for dates under each; the range is the axis title.
    axis_x.setLabelsVisible(len(weeks) <= 12)
    if weeks:
        first, last = weeks[0].week_start, weeks[-1].week_start
        axis_x.setTitleText(f"weeks from {first.day}/{first.month}/{first.year} to {last.day}/{last.month}")
    axis_y = QValueAxis()
    axis_y.setRange(0, max(max(values, default=0) * 1.1, 5))
    axis_y.setLabelFormat("%d")
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_x)
    series.attachAxis(axis_y)
    chart.legend().setVisible(False)
    _style(chart, palette)
    _replace(view, chart)


def retention_chart(view: QChartView, weeks: tuple[WeekStats, ...], palette: QPalette) -> None:
    """True retention per week; weeks without mature reviews leave a gap, not a misleading zero."""
    chart = QChart()
    chart.setTitle("True retention (mature cards passed)")
    axis_x = QValueAxis()
    axis_x.setRange(0, max(len(weeks) - 1, 1))
    axis_x.setLabelFormat("%d")
    axis_x.setTitleText("weeks ago → now")
    axis_x.setLabelsVisible(False)
    axis_y = QValueAxis()
    axis_y.setRange(0, 100)
    axis_y.setLabelFormat("%d%%")
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    pen = QPen(QColor(SERIES_COLOURS[4]))
    pen.setWidth(3)
    series: QLineSeries | None = None
    for index, week in enumerate(weeks):
        retention = week.true_retention
        if retention is None:
            series = None
            continue
        if series is None:
            series = QLineSeries()
            series.setPen(pen)
            series.setPointsVisible(True)
            chart.addSeries(series)
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
        series.append(index, retention * 100)
    chart.legend().setVisible(False)
    _style(chart, palette)
    _replace(view, chart)


def _week_labels(weeks: tuple[WeekStats, ...]) -> list[str]:
    # Every label on 52 bars is unreadable; keep roughly eight.
    every = max(len(weeks) // 8, 1)
    return [f"{week.week_start.day}/{week.week_start.month}" if (len(weeks) - 1 - index) % every == 0 else " " * (index + 1)
            for index, week in enumerate(weeks)]


def _replace(view: QChartView, chart: QChart) -> None:
    old = view.chart()
    view.setChart(chart)
    if old is not None:
        old.deleteLater()
