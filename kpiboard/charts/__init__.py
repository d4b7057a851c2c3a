"""Plotly figures, by subject. Every figure takes rows of a named query (or a view of them) and draws;
the look (fonts, colours, title and source lines) is in `base`."""
from .base import (FONT_FAMILY, GROUP_STYLE, HIGHLIGHT, MUTED, OKABE_ITO, PATTERNS, SERIES_COLORS, SERIES_DASHES,
                   SERIES_SYMBOLS, SHARE_SCALE, SHARED_STYLE, category, fiscal_year_axis, label_lines, layout,
                   plain_text, safe_label, sequential_color, shorten, source_lines, wrap)
from .comparison import indicator_lines_figure, national_lines_figure, ranking_figure, tile_map_figure
from .initiatives import budget_figure, budget_segments, roadmap_figure, roadmap_lanes, tree_dot
from .progress import progress_figure, share_heatmap_figure, status_bar_figure, trajectory_figure, transition_figure
from .regions import achievement_figure, policy_category_figure
