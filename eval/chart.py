"""report.png: F1 per question type for each system and the abstention curves (matplotlib, imported on use)."""

from __future__ import annotations

from pathlib import Path

from eval.report import identical_groups
from eval.results import Report

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


def _cjk_font() -> str | None:
    """Name of an installed font with CJK glyphs, if any."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def chart_figure(report: Report):  # noqa: ANN201 - matplotlib Figure
    """F1 per type for each system (identical systems drawn once) and coverage/accuracy curves, with one legend
    below both plots (so it never covers a bar) and a key to the curves' line styles."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    font = _cjk_font()
    rc = {"font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False} if font else {}
    groups = identical_groups(report)
    shown = [(report.system(g[0]), " = ".join(g)) for g in groups]
    with plt.rc_context(rc):
        fig, (ax_bar, ax_curve) = plt.subplots(1, 2, figsize=(14, 5.8), gridspec_kw={"width_ratios": [3, 2]})
        types = sorted({t for s in report.systems for t in s.by_type})
        width = 0.8 / max(1, len(shown))
        colours = {}
        for i, (s, label) in enumerate(shown):
            values = []
            for t in types:
                m = s.by_type.get(t)
                v = None if m is None else (m.f1 if m.answerable else m.abstention_accuracy)
                values.append(0.0 if v is None else 100 * v)
            xs = [x + (i - (len(shown) - 1) / 2) * width for x in range(len(types))]
            bars = ax_bar.bar(xs, values, width=width, label=label)
            colours[s.name] = bars.patches[0].get_facecolor() if bars.patches else None
        ax_bar.set_xticks(range(len(types)))
        ax_bar.set_xticklabels(types, rotation=30, ha="right")
        ax_bar.set_ylabel("F1 (%)  [unanswerable: abstention accuracy]")
        ax_bar.set_ylim(0, 100)
        ax_bar.set_title(("问答 " if font else "wenda ") + f"F1 by question type ({report.questions} questions)")
        ax_bar.grid(axis="y", alpha=0.3)
        for s, _label in shown:
            if not s.curve:
                continue
            colour = colours.get(s.name)
            cov = [100 * p.coverage for p in s.curve]
            ax_curve.plot(cov, [100 * p.accuracy for p in s.curve], color=colour)
            f1 = [(c, 100 * p.answered_f1) for c, p in zip(cov, s.curve, strict=True) if p.answered_f1 is not None]
            if f1:
                ax_curve.plot(*zip(*f1, strict=True), linestyle="--", color=colour, alpha=0.6)
            ax_curve.scatter([cov[0]], [100 * s.curve[0].accuracy], color=colour, zorder=3)
        ax_curve.set_xlabel("coverage (% questions answered)")
        ax_curve.set_ylabel("percent")
        ax_curve.set_title("abstention threshold sweep")
        ax_curve.set_xlim(0, 100)
        ax_curve.set_ylim(0, 100)
        ax_curve.grid(alpha=0.3)
        styles = [
            Line2D([], [], color="grey", label="accuracy (answered F1 >= 0.5 or rightly abstained)"),
            Line2D([], [], color="grey", linestyle="--", label="F1 of the answered questions"),
            Line2D([], [], color="grey", marker="o", linestyle="", label="threshold as run"),
        ]
        ax_curve.legend(handles=styles, fontsize=8, loc="lower right")
        handles, labels = ax_bar.get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), fontsize=9, frameon=False)
        rows = -(-len(labels) // 3)
        fig.tight_layout(rect=(0, 0.06 * rows + 0.02, 1, 1))
    return fig


def render_chart(report: Report, path: Path) -> Path:
    """PNG of `chart_figure`. Labels are ASCII unless a CJK font is installed, so no font is needed."""
    import matplotlib.pyplot as plt

    fig = chart_figure(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
