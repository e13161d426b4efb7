"""Pages of the tableau de bord du numérique éducatif: the territorial dashboard, the schools one
may see, a school next to its territories, and the CSV behind every chart.

Charts are SVG drawn on the server (no script, so the strict CSP holds and they print), each
with a title, a description, a table alternative and a CSV download. The map is a tile map:
one square per département (or académie) placed at the mean position of its schools in the
registry, because no administrative geometry ships with the platform (written by hand, ~60
lines: an SVG chart library would need JavaScript in the page)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from socle.core import csv_safe
from socle.core.forms import AccessibleErrorsMixin
from socle.identite import services as identite
from socle.referentiel import services as referentiel

from . import services
from .collecte import access
from .collecte import services as collecte
from .collecte.models import AccessChannel

COMPARISON_LEVELS = ("school", "commune", "departement", "academie", "region", "nation")
LEVEL_LABELS = {
    "school": gettext_lazy("School"),
    "commune": gettext_lazy("Commune"),
    "departement": gettext_lazy("Département"),
    "academie": gettext_lazy("Académie"),
    "region": gettext_lazy("Région académique"),
    "nation": gettext_lazy("Nation"),
    "collectivite": gettext_lazy("Collectivité"),
}
CHART_KINDS = ("figures", "series", "children", "map", "school")
# Sequential palette (DSFR "bleu France" tints), light to dark, with text colour readable on each.
PALETTE = ("#e3e3fd", "#cacafb", "#8585f6", "#6a6af4", "#000091")
NO_DATA = "#f6f6f6"


# --- Territories -------------------------------------------------------------------------------
def territory_label(level: str, code: str) -> str:
    return territory_labels([(level, code)])[(level, code)]


def _names(level: str, codes: list[str]) -> dict[str, str]:
    """{code: name} of the territories of one level: one query whatever the number of codes."""
    if level == "school":
        return dict(referentiel.schools().filter(uai__in=codes).values_list("uai", "name"))
    if level == "commune":
        # Communes are reached through their schools: the registry names only communes with one.
        return dict(
            referentiel.schools()
            .filter(commune_id__in=codes)
            .values_list("commune_id", "commune__name")
            .distinct()
        )
    source = {
        "region": referentiel.regions,
        "academie": referentiel.academies,
        "departement": referentiel.departements,
    }.get(level)
    return dict(source().filter(code__in=codes).values_list("code", "name")) if source else {}


def territory_labels(pairs) -> dict[tuple[str, str], str]:
    """{(level, code): label} of many territories in one query per level (one query per child
    territory made the ministry's dashboard run ~570 label queries)."""
    pairs = list(pairs)
    by_level: dict[str, set[str]] = {}
    for level, code in pairs:
        if level == "collectivite":
            kind, _sep, inner = code.partition(":")
            by_level.setdefault(kind, set()).add(inner)
        elif level != "nation":
            by_level.setdefault(level, set()).add(code)
    names = {level: _names(level, sorted(codes)) for level, codes in by_level.items()}

    def label(level: str, code: str) -> str:
        if level == "nation":
            return _("France")
        if level == "collectivite":
            kind, _sep, inner = code.partition(":")
            return f"{LEVEL_LABELS.get(kind, kind)} — {label(kind, inner)}"
        name = names.get(level, {}).get(code)
        if level == "school":
            return f"{name} ({code})" if name else code
        name = name or code
        return f"{name} ({code})" if level in ("departement", "commune") else name

    return {(level, code): label(level, code) for level, code in pairs}


def territory_options(scope: access.Scope) -> list[tuple[str, str]]:
    """(value "level:code", label) of every territory the user may pick, widest first."""
    order = {
        level: i
        for i, level in enumerate(("nation", "region", "academie", "collectivite", "departement", "commune"))
    }
    if scope.everything:
        pairs = {access.NATION}
        pairs |= {("region", r.code) for r in referentiel.regions()}
        pairs |= {("academie", a.code) for a in referentiel.academies()}
        pairs |= {("departement", d.code) for d in referentiel.departements()}
    else:
        pairs = {pair for pair in scope.territories if pair[0] != "school"}
        if scope.academies:
            pairs |= {
                ("departement", d.code)
                for d in referentiel.departements().filter(academie__in=scope.academies)
            }
    ordered = sorted(pairs, key=lambda pair: (order.get(pair[0], 9), pair[1]))
    labels = territory_labels(ordered)
    return [(f"{level}:{code}", f"{LEVEL_LABELS[level]} — {labels[level, code]}") for level, code in ordered]


# --- Values ------------------------------------------------------------------------------------
def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    text = number_format(value, 1 if isinstance(value, float) else 0, use_l10n=True)
    return f"{text} %" if unit == "%" else text


def value_of(item):
    """A comparison cell may be a Value or a plain number."""
    if item is None:
        return None
    return getattr(item, "value", item)


def catalogue() -> dict:
    return {info.code: info for info in services.indicators()}


def vintages_available(request=None) -> list[str]:
    """The vintages with cells (else the current one), read once per request: the dashboard
    needs them for the form and for the series."""
    years = getattr(request, "_pilotage_vintages", None)
    if years is None:
        years = services.vintages() or [collecte.current_vintage()]
        if request is not None:
            request._pilotage_vintages = years
    return years


class DashboardForm(AccessibleErrorsMixin, forms.Form):
    territory = forms.ChoiceField(
        label=gettext_lazy("Territory"), widget=forms.Select(attrs={"class": "fr-select"})
    )
    vintage = forms.ChoiceField(
        label=gettext_lazy("School year"), widget=forms.Select(attrs={"class": "fr-select"})
    )
    indicator = forms.ChoiceField(
        label=gettext_lazy("Indicator"), widget=forms.Select(attrs={"class": "fr-select"})
    )

    def __init__(self, data, *, territories, vintages, indicators, initial):
        merged = {
            **initial,
            **{k: v for k, v in (data or {}).items() if k in ("territory", "vintage", "indicator")},
        }
        super().__init__(merged)
        self.fields["territory"].choices = territories
        self.fields["vintage"].choices = [(v, v) for v in vintages]
        self.fields["indicator"].choices = [(code, info.label) for code, info in indicators.items()]


@dataclass
class Selection:
    level: str
    code: str
    vintage: str
    indicator: str
    label: str


def _selection(request, scope) -> tuple[DashboardForm, Selection]:
    indicators = catalogue()
    if not indicators:
        raise Http404("no indicator")
    territories = territory_options(scope)
    vintages = vintages_available(request)
    home = scope.home
    if home and home[0] == "school":  # a head starts from the département of the school
        school = referentiel.schools().filter(uai=home[1]).first()
        home = ("departement", school.departement_id) if school and school.departement_id else None
    if home is None:
        home = next((tuple(v.split(":", 1)) for v, _l in territories), access.NATION)
    initial = {
        "territory": f"{home[0]}:{home[1]}",
        "vintage": vintages[0],
        "indicator": next(iter(indicators)),
    }
    form = DashboardForm(
        request.GET, territories=territories, vintages=vintages, indicators=indicators, initial=initial
    )
    data = form.cleaned_data if form.is_valid() else initial
    # An unknown territory (or one outside the user's scope) is refused, not silently replaced.
    if request.GET and "territory" in form.errors:
        raise PermissionDenied("pilotage.territory")
    level, code = data["territory"].split(":", 1)
    if not scope.may_see(level, code):
        raise PermissionDenied("pilotage.territory")
    return form, Selection(level, code, data["vintage"], data["indicator"], territory_label(level, code))


def _children_rows(scope, selection, indicator_info) -> list[dict]:
    children = [pair for pair in services.children(selection.level, selection.code) if scope.may_see(*pair)]
    by_level: dict[str, list[str]] = {}
    for level, code in children:
        by_level.setdefault(level, []).append(code)
    labels = territory_labels(children)
    rows = []
    for level, codes in by_level.items():
        found = {
            v.territory_code: v
            for v in services.values(selection.indicator, level=level, codes=codes, vintage=selection.vintage)
        }
        for code in codes:
            value = found.get(code)
            rows.append(
                {
                    "level": level,
                    "code": code,
                    "label": labels[level, code],
                    "value": value.value if value else None,
                    "coverage": getattr(value, "coverage", None) if value else None,
                }
            )
    rows.sort(key=lambda row: (row["value"] is None, -(row["value"] or 0), row["label"]))
    return rows


def _series_rows(request, selection) -> list[dict]:
    found = []
    for vintage in vintages_available(request):
        found += services.values(
            selection.indicator, level=selection.level, codes=[selection.code], vintage=vintage
        )
    return [
        {"vintage": v.vintage, "value": v.value, "coverage": getattr(v, "coverage", None)}
        for v in sorted(found, key=lambda v: v.vintage)
    ]


def _figures(selection, indicators) -> list[dict]:
    found = {
        v.indicator_code: v
        for v in services.values(level=selection.level, codes=[selection.code], vintage=selection.vintage)
    }
    rows = []
    for code, info in indicators.items():
        value = found.get(code)
        rows.append(
            {
                "code": code,
                "label": info.label,
                "unit": info.unit,
                "value": value.value if value else None,
                "coverage": getattr(value, "coverage", None) if value else None,
            }
        )
    return rows


def _map_level(scope) -> str:
    return "departement"


def _map_rows(scope, selection, map_level: str) -> list[dict]:
    if map_level == "academie":
        codes = [a.code for a in referentiel.academies()]
    else:
        codes = [d.code for d in referentiel.departements()]
    codes = [code for code in codes if scope.may_see(map_level, code)]
    found = (
        {
            v.territory_code: v
            for v in services.values(
                selection.indicator, level=map_level, codes=codes, vintage=selection.vintage
            )
        }
        if codes
        else {}
    )
    labels = territory_labels((map_level, code) for code in codes)
    return [
        {
            "code": code,
            "label": labels[map_level, code],
            "value": found[code].value if code in found else None,
        }
        for code in codes
    ]


# --- SVG geometry ------------------------------------------------------------------------------
def bar_chart(rows: list[dict], unit: str, *, highlight: str | None = None) -> dict:
    """Horizontal bars; `rows` have label and value. Returns what the SVG template draws."""
    width, label_w, bar_h, gap = 760, 300, 22, 8
    values = [row["value"] for row in rows if row["value"] is not None]
    top = max([*values, 100.0 if unit == "%" else 1.0])
    bars = []
    for i, row in enumerate(rows):
        y = i * (bar_h + gap) + 4
        length = 0 if row["value"] is None else (width - label_w - 90) * row["value"] / top
        bars.append(
            {
                "y": y,
                "text_y": y + bar_h * 0.7,
                "label": row["label"] if len(row["label"]) <= 36 else row["label"][:35] + "…",
                "width": round(length, 1),
                "value_x": label_w + round(length, 1) + 6,
                "value": fmt(row["value"], unit),
                "highlight": row.get("key") == highlight if highlight else False,
            }
        )
    return {
        "width": width,
        "height": len(rows) * (bar_h + gap) + 8,
        "label_w": label_w,
        "bar_h": bar_h,
        "bars": bars,
    }


def line_chart(rows: list[dict], unit: str) -> dict:
    width, height, left, bottom, top_pad = 720, 260, 60, 40, 20
    values = [row["value"] for row in rows if row["value"] is not None]
    top = max([*values, 100.0 if unit == "%" else 1.0])
    step = (width - left - 120) / max(len(rows) - 1, 1)  # room for the last year's label
    points = []
    for i, row in enumerate(rows):
        x = left + 50 + i * step if len(rows) > 1 else (width + left) / 2
        y = (
            None
            if row["value"] is None
            else height - bottom - (height - bottom - top_pad) * row["value"] / top
        )
        points.append(
            {
                "x": round(x, 1),
                "y": None if y is None else round(y, 1),
                "label": row["vintage"],
                "value": fmt(row["value"], unit),
            }
        )
    path = " ".join(f"{p['x']},{p['y']}" for p in points if p["y"] is not None)
    ticks = [
        {
            "y": round(height - bottom - (height - bottom - top_pad) * f, 1),
            "label": fmt(float(top * f), unit),
        }
        for f in (0, 0.5, 1)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "axis_y": height - bottom,
        "label_y": height - bottom + 24,
        "points": points,
        "path": path,
        "ticks": ticks,
    }


TILE_POSITIONS_TTL = 3600  # seconds; schools seldom move, and a tile moved late is harmless


def tile_positions(map_level: str) -> dict[str, tuple[float, float]]:
    """{territory code: (mean latitude, mean longitude) of its schools}, one aggregate query
    grouped by territory, then kept in the cache: averaging 60 000 schools took ~80 ms on every
    dashboard request, for positions that change only when schools move."""
    key = f"pilotage:tile-positions:{map_level}"
    positions = cache.get(key)
    if positions is None:
        field = {"departement": "departement_id", "academie": "academie_id"}[map_level]
        positions = {
            entry[field]: (entry["lat"], entry["lon"])
            for entry in referentiel.schools()
            .filter(latitude__isnull=False, longitude__isnull=False)
            .values(field)
            .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
            .order_by()
        }
        cache.set(key, positions, TILE_POSITIONS_TTL)
    return positions


def tile_map(rows: list[dict], map_level: str) -> dict:
    """One tile per territory at the mean position of its schools (snapped to a grid)."""
    positions = tile_positions(map_level)
    values = sorted(row["value"] for row in rows if row["value"] is not None)
    # Quantile class limits; duplicates dropped, so that few territories make few classes.
    if values:
        cuts = {values[int(len(values) * q / len(PALETTE))] for q in range(1, len(PALETTE))}
        thresholds = sorted(cuts - {values[0]})
    else:
        thresholds = []
    classes = len(thresholds) + 1
    # Spread the classes over the palette: two classes are the lightest and the darkest tint.
    shades = [
        round(k * (len(PALETTE) - 1) / (classes - 1)) if classes > 1 else len(PALETTE) - 1
        for k in range(classes)
    ]

    def colour(value):
        if value is None:
            return NO_DATA, "#161616"
        shade = shades[sum(value >= t for t in thresholds)]
        return PALETTE[shade], "#ffffff" if shade >= 3 else "#161616"

    size, taken, tiles = 44, set(), []
    placed = [row for row in rows if row["code"] in positions]
    unplaced = [row for row in rows if row["code"] not in positions]
    for row in placed:
        lat, lon = positions[row["code"]]
        col, line = round((lon + 5.5) * 1.6), round((51.5 - lat) * 2.1)
        while (col, line) in taken:
            col += 1
        taken.add((col, line))
        tiles.append({**row, "col": col, "line": line})
    last_line = max((t["line"] for t in tiles), default=-1) + 2
    for i, row in enumerate(unplaced):
        tiles.append({**row, "col": i % 16, "line": last_line + i // 16})
    min_col = min((t["col"] for t in tiles), default=0)
    min_line = min((t["line"] for t in tiles), default=0)
    for tile in tiles:
        tile["x"] = (tile["col"] - min_col) * size + 2
        tile["y"] = (tile["line"] - min_line) * size + 2
        tile["fill"], tile["ink"] = colour(tile["value"])
        tile["text_x"] = tile["x"] + size / 2 - 1
        tile["text_y"] = tile["y"] + size / 2 + 4
    width = max((t["x"] for t in tiles), default=0) + size + 4
    height = max((t["y"] for t in tiles), default=0) + size + 4
    legend = []
    if values:
        bounds = [values[0], *thresholds, values[-1]]
        for k, shade in enumerate(shades):
            legend.append({"swatch": shade + 1, "low": bounds[k], "high": bounds[k + 1]})
    return {
        "tiles": tiles,
        "width": width,
        "height": height,
        "size": size - 4,
        "legend": legend,
        "no_data": NO_DATA,
    }


# --- Pages -------------------------------------------------------------------------------------
def _crumbs(*items):
    return [{"label": _("Home"), "url": reverse("core:home")}, *items]


def _scope_or_403(request) -> access.Scope:
    scope = access.scope_of(request.user)
    if scope.empty:
        identite.ensure(request, "school.indicators", None)  # logs the refusal, raises
    return scope


@login_required
def dashboard(request):
    scope = _scope_or_403(request)
    indicators = catalogue()
    form, selection = _selection(request, scope)
    info = indicators[selection.indicator]
    figures = _figures(selection, indicators)
    series = _series_rows(request, selection)
    children = _children_rows(scope, selection, info)
    map_level = request.GET.get("carte", "departement")
    if map_level not in ("departement", "academie"):
        map_level = "departement"
    map_rows = _map_rows(scope, selection, map_level)
    if selection.level != "nation":
        collecte.record_access(request, what="dashboard", level=selection.level, code=selection.code)
    query = urlencode(
        {
            "territory": f"{selection.level}:{selection.code}",
            "vintage": selection.vintage,
            "indicator": selection.indicator,
        }
    )
    return render(
        request,
        "pilotage/dashboard.html",
        {
            "form": form,
            "selection": selection,
            "info": info,
            "figures": [
                {
                    **row,
                    "text": fmt(row["value"], row["unit"]),
                    "unit_label": _(row["unit"]),
                    "coverage_text": fmt(None if row["coverage"] is None else row["coverage"] * 100, "%"),
                }
                for row in figures
            ],
            "series": [{**row, "text": fmt(row["value"], info.unit)} for row in series],
            "series_chart": line_chart(series, info.unit) if series else None,
            "children": [{**row, "text": fmt(row["value"], info.unit)} for row in children],
            "children_chart": bar_chart(children, info.unit) if children else None,
            "map_level": map_level,
            "map_level_label": LEVEL_LABELS[map_level],
            "map_rows": [{**row, "text": fmt(row["value"], info.unit)} for row in map_rows],
            "map": tile_map(map_rows, map_level) if len(map_rows) >= 2 else None,
            "query": query,
            "schools_url": reverse("pilotage:school_list"),
            "may_declare": collecte.declarable_schools(request.user).exists(),
            "breadcrumb": _crumbs({"label": _("Steering"), "url": ""}),
        },
    )


class SchoolSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name, UAI or commune"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "fr-input", "type": "search"}),
    )


@login_required
def school_list(request):
    scope = _scope_or_403(request)
    form = SchoolSearchForm(request.GET or None)
    schools = scope.schools().select_related("commune").order_by("name", "uai")
    if form.is_valid() and (text := form.cleaned_data["q"].strip()):
        schools = schools.filter(
            Q(name__icontains=text) | Q(uai__iexact=text) | Q(commune__name__icontains=text)
        )
    page_obj = Paginator(schools, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "pilotage/school_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "breadcrumb": _crumbs(
                {"label": _("Steering"), "url": reverse("pilotage:dashboard")},
                {"label": _("Schools"), "url": ""},
            ),
        },
    )


def _comparison(school, vintage):
    indicators = catalogue()
    raw = services.school_comparison(school.uai, vintage)
    rows = []
    for code, info in indicators.items():
        cells = raw.get(code) or {}
        values = [value_of(cells.get(level)) for level in COMPARISON_LEVELS]
        rows.append(
            {
                "code": code,
                "label": info.label,
                "unit": info.unit,
                "values": values,
                "texts": [fmt(v, info.unit) for v in values],
            }
        )
    return rows


def _school_territories(school) -> list[tuple[str, str]]:
    codes = {
        "school": school.uai,
        "commune": school.commune_id or "",
        "departement": school.departement_id or "",
        "academie": school.academie_id or "",
        "region": school.region_id or "",
        "nation": "FR",
    }
    return [(level, codes[level]) for level in COMPARISON_LEVELS]


@login_required
def school_detail(request, uai: str):
    school = collecte.find_school(uai)
    if school is None:
        raise Http404(uai)
    identite.ensure(request, "school.indicators", school)
    vintages = vintages_available(request)
    vintage = request.GET.get("vintage") or vintages[0]
    if vintage not in vintages:
        raise Http404(vintage)
    rows = _comparison(school, vintage)
    collecte.record_access(request, what="school_comparison", level="school", code=school.uai)
    territories = _school_territories(school)
    labels = territory_labels(pair for pair in territories if pair[1])
    headers = [
        {"level": LEVEL_LABELS[level], "name": labels[level, code] if code else "—"}
        for level, code in territories
    ]
    charts = []
    for row in rows:
        if all(value is None for value in row["values"]):
            continue  # nothing to draw: the table says "—" for each territory
        bars = [
            {
                "label": f"{LEVEL_LABELS[level]} — {header['name']}"
                if level != "nation"
                else str(LEVEL_LABELS[level]),
                "value": value,
                "key": level,
            }
            for (level, _code), header, value in zip(territories, headers, row["values"], strict=True)
        ]
        charts.append({"row": row, "chart": bar_chart(bars, row["unit"], highlight="school")})
    return render(
        request,
        "pilotage/school_detail.html",
        {
            "school": school,
            "vintage": vintage,
            "vintages": vintages,
            "headers": headers,
            "rows": rows,
            "charts": charts,
            "may_declare": collecte.can_declare(request.user, school),
            "breadcrumb": _crumbs(
                {"label": _("Steering"), "url": reverse("pilotage:dashboard")},
                {"label": _("Schools"), "url": reverse("pilotage:school_list")},
                {"label": school.name, "url": ""},
            ),
        },
    )


# --- CSV ---------------------------------------------------------------------------------------
def _csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_csv(request, chart: str):
    if chart not in CHART_KINDS:
        raise Http404(chart)
    scope = _scope_or_403(request)
    if chart == "school":
        school = collecte.find_school(request.GET.get("uai", ""))
        if school is None:
            raise Http404("uai")
        identite.ensure(request, "school.indicators", school)
        vintage = request.GET.get("vintage") or vintages_available(request)[0]
        rows = _comparison(school, vintage)
        collecte.record_access(
            request, what="school_comparison", level="school", code=school.uai, channel=AccessChannel.CSV
        )
        territories = _school_territories(school)
        return _csv_response(
            f"pilotage-{school.uai}-{vintage}.csv",
            ["indicator", "unit", *[f"{level}:{code}" for level, code in territories]],
            [[row["code"], row["unit"], *row["values"]] for row in rows],
        )
    _form, selection = _selection(request, scope)
    indicators = catalogue()
    if selection.level != "nation":
        collecte.record_access(
            request,
            what=f"csv_{chart}",
            level=selection.level,
            code=selection.code,
            channel=AccessChannel.CSV,
        )
    stem = f"pilotage-{chart}-{selection.level}-{selection.code.replace(':', '-')}-{selection.vintage}"
    if chart == "figures":
        rows = _figures(selection, indicators)
        return _csv_response(
            f"{stem}.csv",
            ["indicator", "label", "unit", "value", "coverage"],
            [[r["code"], r["label"], r["unit"], r["value"], r["coverage"]] for r in rows],
        )
    if chart == "series":
        rows = _series_rows(request, selection)
        return _csv_response(
            f"{stem}-{selection.indicator}.csv",
            ["vintage", "indicator", "value", "coverage"],
            [[r["vintage"], selection.indicator, r["value"], r["coverage"]] for r in rows],
        )
    if chart == "children":
        rows = _children_rows(scope, selection, indicators[selection.indicator])
        return _csv_response(
            f"{stem}-{selection.indicator}.csv",
            ["level", "code", "label", "indicator", "value", "coverage"],
            [
                [r["level"], r["code"], r["label"], selection.indicator, r["value"], r["coverage"]]
                for r in rows
            ],
        )
    map_level = request.GET.get("carte", "departement")
    if map_level not in ("departement", "academie"):
        raise Http404(map_level)
    rows = _map_rows(scope, selection, map_level)
    return _csv_response(
        f"{stem}-{selection.indicator}-{map_level}.csv",
        ["level", "code", "label", "indicator", "value"],
        [[map_level, r["code"], r["label"], selection.indicator, r["value"]] for r in rows],
    )
