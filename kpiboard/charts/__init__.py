"""Plotly figures, by subject. Every figure takes rows of a named query (or a view of them) and draws;
the look (fonts, colours, title and source lines, numeric axes: separators, ranks, units) is in `base`."""
from .base import (COUNT_FORMAT, FONT_FAMILY, GROUP_STYLE, HIGHLIGHT, MUTED, NUMBER_FORMAT, OKABE_ITO, PATTERNS,
                   SERIES_COLORS, SERIES_DASHES, SERIES_SYMBOLS, SHARE_SCALE, SHARED_STYLE, category, fiscal_year_axis,
                   hover_format, is_rank, label_lines, layout, plain_text, rank_ticks, safe_label, sequential_color,
                   shorten, source_lines, title_lines, value_axis, wrap)
from .comparison import indicator_lines_figure, national_lines_figure, ranking_figure, tile_map_figure
from .initiatives import budget_figure, budget_segments, roadmap_figure, roadmap_lanes, tree_dot
from .progress import progress_figure, share_heatmap_figure, status_bar_figure, trajectory_figure, transition_figure
from .regions import achievement_figure, policy_category_figure
