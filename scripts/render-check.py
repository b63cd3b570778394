#!/usr/bin/env python3
"""Checks rendered figures the way a user sees them.

For every SVG: parse it as XML (xml.dom.minidom), require an <svg> root with a title, width, height and a
viewBox; then inspect the PNG that headless Chromium rendered at exactly width × height: it must have those
dimensions, must not be one flat color (blank), and its outer border must be background only (content
reaching the edge means something is cut off by the viewport).

With check-figures it also checks that the `interlingua plot` figures are correct for the alignment.json they
were drawn from: legend entries are the languages (pairs), the peak line sits at the peak layer in every
panel, every value lies inside the drawn y range, and there is one heatmap per CKA matrix.

With check-lens-figures it checks the `interlingua plot LENS.h5` figures against the lens-curves.json written
with them: the legend lists the answer languages, one panel per target language plus the entropy panel, every
series' points sit at (layer, mean) in pixels, and the lens table has one cell per shown prompt and layer.

Usage: render-check.py check-svg FILE.svg  -> prints "W H" for the window size
       render-check.py check-figures ALIGNMENT_DIR FIGURES_DIR
       render-check.py check-compare COMPARE_DIR     (comparison.svg / difference.svg, lens-*.svg, responses-comparison.svg against compare.json)
       render-check.py check-lens-figures FIGURES_DIR   (lens-latent.svg, lens-table.svg, lens-curves.json)
       render-check.py check-png FILE.png W H LABEL   (LABEL names the SVG in messages)
Only the standard library: PNG is decoded with zlib (PNG spec, ISO/IEC 15948: IHDR, IDAT, filters 0-4).
"""
import math
import re
import struct
import sys
import xml.dom.minidom
import zlib


def fail(message):
    print(f"render-check: {message}", file=sys.stderr)
    sys.exit(1)


def check_svg(path):
    try:
        doc = xml.dom.minidom.parse(path)
    except Exception as error:  # any parser error means the file is not well-formed XML
        fail(f"{path}: not well-formed XML: {error}")
    root = doc.documentElement
    if root.tagName != "svg":
        fail(f"{path}: root element is <{root.tagName}>, expected <svg>")
    for attribute in ("width", "height", "viewBox"):
        if not root.getAttribute(attribute):
            fail(f"{path}: <svg> has no {attribute}")
    titles = root.getElementsByTagName("title")
    if not titles or not "".join(n.data for n in titles[0].childNodes if n.nodeType == n.TEXT_NODE).strip():
        fail(f"{path}: no <title>")
    texts = root.getElementsByTagName("text")
    if not texts:
        fail(f"{path}: no <text> (figures carry their labels as SVG text)")
    try:
        width, height = float(root.getAttribute("width")), float(root.getAttribute("height"))
    except ValueError:
        fail(f"{path}: width/height are not plain numbers")
    box = [float(v) for v in root.getAttribute("viewBox").replace(",", " ").split()]
    if len(box) != 4 or box[2] != width or box[3] != height:
        fail(f"{path}: viewBox {box} does not match width {width} × height {height}")
    print(int(round(width)), int(round(height)))


def decode_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        fail(f"{path}: unsupported PNG (depth {depth}, color type {color}, interlace {interlace})")
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    pixels = [[tuple(row[x * channels:x * channels + 3]) if channels >= 3 else (row[x * channels],) * 3
               for x in range(width)] for row in rows]
    return width, height, pixels


def check_png(png, width, height, path, border=3):
    w, h, pixels = decode_png(png)
    if (w, h) != (width, height):
        fail(f"{path}: rendered {w}×{h}, expected {width}×{height}")
    colors = {}
    for row in pixels[::2]:
        for pixel in row[::2]:
            colors[pixel] = colors.get(pixel, 0) + 1
    if len(colors) < 8:
        fail(f"{path}: blank render ({len(colors)} distinct colors)")
    background = max(colors, key=colors.get)
    inked = sum(n for c, n in colors.items() if c != background) / sum(colors.values())
    if inked < 0.01:
        fail(f"{path}: almost blank ({inked:.2%} of pixels differ from the background)")

    def is_background(pixel):
        return all(abs(p - q) <= 24 for p, q in zip(pixel, background))

    edge = [(x, y) for y in range(h) for x in list(range(border)) + list(range(w - border, w))]
    edge += [(x, y) for x in range(w) for y in list(range(border)) + list(range(h - border, h))]
    touching = [(x, y) for x, y in edge if not is_background(pixels[y][x])]
    if touching:
        x, y = touching[0]
        fail(f"{path}: content reaches the edge of the viewport at ({x}, {y}) — {len(touching)} border pixels inked")
    print(f"ok {path}: {w}×{h}, {len(colors)} colors, {inked:.1%} inked")


def number(text):
    return float(text.replace("\u2212", "-"))


def groups(root, class_name):
    return [g for g in root.getElementsByTagName("g") if g.getAttribute("class") == class_name]


def texts(node, class_name):
    return ["".join(c.data for c in t.childNodes if c.nodeType == c.TEXT_NODE)
            for t in node.getElementsByTagName("text") if t.getAttribute("class") == class_name]


def check_figures(align_dir, figures_dir):
    import json
    import math
    import os
    report = json.load(open(os.path.join(align_dir, "alignment.json"), encoding="utf-8"))
    layers, languages, peak = report["layers"], report["languages"], report.get("peak")
    pivot = report["settings"]["pivot"]
    pivot_mode = all(p["source"] == pivot for p in report["pairs"])
    pair_labels = [p["target"] if pivot_mode else f"{p['source']}–{p['target']}" for p in report["pairs"]]

    def load(name):
        return xml.dom.minidom.parse(os.path.join(figures_dir, name)).documentElement

    def legend(root):
        return [g.getAttribute("data-label") for g in groups(root, "legend-entry")]

    curves = load("alignment-curves.svg")
    controls = report.get("controls") or {}
    lexical = (controls.get("lexical_overlap_mean") or {}).get("retrieval_p1")
    shuffled = controls.get("shuffled")

    def series(metric):
        return [s for s in report["pair_metrics"] if s["metric"] == metric]

    curve_metrics = [m for m in ("retrieval_p1", "cosine_margin", "cka_debiased") if series(m)]
    panel_metrics = curve_metrics + ([peak["metric"]] if peak and peak["curve"] else [])

    # The reference lines each panel must carry: the lexical-overlap baseline on retrieval panels (a flat line
    # at its pair mean), the shuffled chance level on the panel(s) of the metric it was measured for.
    def expected_references(metric):
        out = {}
        if lexical and metric.startswith("retrieval_p1"):
            out["lexical-overlap baseline (token bags)"] = [(layer, lexical["value"]) for layer in layers]
        if shuffled and shuffled["metric"] == metric and shuffled["curve"]:
            out["chance level (translations shuffled)"] = [(layer, e["value"]) for layer, e in zip(layers, shuffled["curve"])]
        return out

    reference_labels = [name for name in ("lexical-overlap baseline (token bags)", "chance level (translations shuffled)")
                        if any(name in expected_references(m) for m in panel_metrics)]
    if legend(curves) != pair_labels + reference_labels:
        fail(f"alignment-curves.svg: legend {legend(curves)} != pairs {pair_labels} + references {reference_labels}")
    marked = [g.getAttribute("data-label") for g in groups(curves, "legend-entry") if g.getAttribute("data-reference") == "true"]
    if marked != reference_labels:
        fail(f"alignment-curves.svg: legend entries marked as references {marked} != {reference_labels}")
    projections = load("projections.svg")
    if report.get("projection") and legend(projections) != languages:
        fail(f"projections.svg: legend {legend(projections)} != languages {languages}")

    expected_panels = [[e["value"] for s in series(m) for e in s["values"]] for m in curve_metrics]
    if peak and peak["curve"]:
        expected_panels.append([e["value"] for e in peak["curve"]])
    for index, metric in enumerate(panel_metrics):
        expected_panels[index] += [v for points in expected_references(metric).values() for _, v in points]
    checked_references = check_references(curves, "alignment-curves.svg", [expected_references(m) for m in panel_metrics],
                                          layers)
    separability = load("separability.svg")
    sep_panels = [[e["value"] for e in s["values"]] for m in ("language_separability", "centroid_accuracy")
                  for s in report["layer_metrics"] if s["metric"] == m]
    for name, root, expected in (("alignment-curves.svg", curves, expected_panels),
                                 ("separability.svg", separability, sep_panels)):
        panels = groups(root, "panel")
        if len(panels) != len(expected):
            fail(f"{name}: {len(panels)} panels, expected {len(expected)}")
        for index, (panel, values) in enumerate(zip(panels, expected)):
            ticks = [number(t) for t in texts(panel, "y-tick")]
            finite = [v for v in values if v is not None and math.isfinite(v)]
            if finite and (min(finite) < min(ticks) - 1e-9 or max(finite) > max(ticks) + 1e-9):
                fail(f"{name} panel {index}: data {min(finite):.4g}…{max(finite):.4g} outside the y axis "
                     f"{min(ticks)}…{max(ticks)}")
            x_ticks = [number(t) for t in texts(panel, "x-tick")]
            if min(x_ticks) < layers[0] or max(x_ticks) > layers[-1]:
                fail(f"{name} panel {index}: x ticks {x_ticks} beyond layers {layers[0]}…{layers[-1]}")
            lines = [l for l in panel.getElementsByTagName("line") if l.getAttribute("class") == "peak"]
            if peak:
                if len(lines) != 1 or float(lines[0].getAttribute("data-x")) != peak["layer"]:
                    fail(f"{name} panel {index}: peak line not at layer {peak['layer']}")
                # The peak line's pixel x must sit where layer `peak` falls between the first and last layer
                # (grid lines span the plot area from the first to the last layer).
                frame = [r for r in panel.getElementsByTagName("line") if r.getAttribute("class") == "grid"]
                xs = [float(l.getAttribute("x1")) for l in frame] + [float(l.getAttribute("x2")) for l in frame]
                left, right = min(xs), max(xs)
                expected_x = left + (peak["layer"] - layers[0]) / (layers[-1] - layers[0]) * (right - left)
                if abs(float(lines[0].getAttribute("x1")) - expected_x) > 0.05:
                    fail(f"{name} panel {index}: peak line at x={lines[0].getAttribute('x1')}, expected {expected_x:.2f}")
    checked_equal = check_equal_scales(projections, "projections.svg") if report.get("projection") else 0
    matrices = check_pair_matrix(report, figures_dir)
    normalization = check_normalization(report, figures_dir)
    heatmaps = groups(load("cka-layers.svg"), "panel")
    if len(heatmaps) != len(report["layer_cka"]):
        fail(f"cka-layers.svg: {len(heatmaps)} heatmaps, expected {len(report['layer_cka'])}")
    for panel, matrix in zip(heatmaps, report["layer_cka"]):
        cells = [r for r in panel.getElementsByTagName("rect") if r.getAttribute("class") == "cell"]
        if len(cells) != sum(len(row) for row in matrix["matrix"]):
            fail(f"cka-layers.svg: {matrix['source']} × {matrix['target']} has {len(cells)} cells")
    peak_text = f"peak at layer {peak['layer']}" if peak else "no peak"
    print(f"ok figures in {figures_dir} match {align_dir}/alignment.json "
          f"({len(pair_labels)} pairs, {len(languages)} languages, {peak_text}; legend references {reference_labels}, "
          f"{checked_references} reference points at their values; {checked_equal} PCA panels on equal scales; "
          f"{matrices}; {normalization})")


def panel_scales(panel, name):
    """(x of a value, y of a value) of a line panel, from its grid lines (one per y tick, spanning the layers)."""
    grid = [l for l in panel.getElementsByTagName("line") if l.getAttribute("class") == "grid"]
    ticks = [number(t) for t in texts(panel, "y-tick")]
    if len(grid) != len(ticks) or len(ticks) < 2:
        fail(f"{name}: {len(grid)} grid lines for {len(ticks)} y ticks")
    left = min(float(l.getAttribute("x1")) for l in grid)
    right = max(float(l.getAttribute("x2")) for l in grid)
    y0, y1 = float(grid[0].getAttribute("y1")), float(grid[-1].getAttribute("y1"))
    v0, v1 = ticks[0], ticks[-1]
    return left, right, (lambda v: y0 + (v - v0) / (v1 - v0) * (y1 - y0))


def check_references(root, name, expected, layers):
    """Every panel's reference groups (class="reference", data-name) are exactly the expected ones, and each
    polyline vertex sits at (layer, value) in pixels."""
    checked = 0
    panels = groups(root, "panel")
    for index, (panel, references) in enumerate(zip(panels, expected)):
        drawn = {g.getAttribute("data-name"): g for g in groups(panel, "reference")}
        if sorted(drawn) != sorted(references):
            fail(f"{name} panel {index}: reference lines {sorted(drawn)} != expected {sorted(references)}")
        if not references:
            continue
        left, right, y_of = panel_scales(panel, f"{name} panel {index}")
        for label, points in references.items():
            polylines = drawn[label].getElementsByTagName("polyline")
            vertices = [tuple(float(v) for v in p.split(",")) for line in polylines
                        for p in line.getAttribute("points").split()]
            finite = [(layer, v) for layer, v in points if v is not None and math.isfinite(v)]
            if len(vertices) != len(finite):
                fail(f"{name} panel {index} {label}: {len(vertices)} vertices, expected {len(finite)}")
            for (px, py), (layer, value) in zip(vertices, finite):
                ex = left + (layer - layers[0]) / (layers[-1] - layers[0]) * (right - left)
                ey = y_of(value)
                if abs(px - ex) > 0.05 or abs(py - ey) > 0.6:
                    fail(f"{name} panel {index} {label} layer {layer}: vertex at ({px}, {py}), expected "
                         f"({ex:.2f}, {ey:.2f}) for {value:.4f}")
                checked += 1
    return checked


def check_equal_scales(root, name):
    """Scatter panels drawn on equal scales: pixels per unit on x (x-tick labels) equal those on y (grid lines)."""
    checked = 0
    for index, panel in enumerate(groups(root, "panel")):
        xt = [t for t in panel.getElementsByTagName("text") if t.getAttribute("class") == "x-tick"]
        grid = [l for l in panel.getElementsByTagName("line") if l.getAttribute("class") == "grid"]
        yt = texts(panel, "y-tick")
        if len(xt) < 2 or len(grid) < 2:
            continue
        x_values = [number("".join(c.data for c in t.childNodes)) for t in xt]
        x_px = [float(t.getAttribute("x")) for t in xt]
        x_scale = (x_px[-1] - x_px[0]) / (x_values[-1] - x_values[0])
        y_values = [number(t) for t in yt]
        y_px = [float(l.getAttribute("y1")) for l in grid]
        y_scale = -(y_px[-1] - y_px[0]) / (y_values[-1] - y_values[0])
        if abs(x_scale - y_scale) > 0.01 * abs(x_scale):
            fail(f"{name} panel {index}: {x_scale:.4g} px per unit on x, {y_scale:.4g} on y (not equal scales)")
        checked += 1
    return checked


def check_pair_matrix(report, figures_dir):
    """With --pairs all: pair-matrix.svg holds one language × language matrix per metric, each cell the
    metric's value for (row, column) at the metric's peak layer (retrieval: row queries, column is searched)."""
    import os
    pivot = report["settings"]["pivot"]
    path = os.path.join(figures_dir, "pair-matrix.svg")
    if all(p["source"] == pivot for p in report["pairs"]):
        if os.path.exists(path):
            fail("pair-matrix.svg drawn for a pivot-only run")
        return "no pair matrix (pivot pairs)"
    languages, layers = report["languages"], report["layers"]
    peaks = {p["metric"]: p for p in report.get("peaks") or []}
    metrics = [m for m in ("retrieval_p1", "cka_debiased", "mutual_knn")
               if any(s["metric"] == m for s in report["pair_metrics"])]
    panels = groups(xml.dom.minidom.parse(path).documentElement, "panel")
    if len(panels) != len(metrics):
        fail(f"pair-matrix.svg: {len(panels)} panels, expected {len(metrics)} ({metrics})")

    def value(metric, source, target, index):
        for s in report["pair_metrics"]:
            if s["metric"] == metric and s["source"] == source and s["target"] == target:
                return s["values"][index]["value"]
        return None

    cells_checked = 0
    for panel, metric in zip(panels, metrics):
        layer = (peaks.get(metric) or report["peak"])["layer"]
        index = layers.index(layer)
        if not re.search(rf"\blayer {layer}\b", panel.getAttribute("data-title")):
            fail(f"pair-matrix.svg {metric}: title {panel.getAttribute('data-title')!r} does not name layer {layer}")
        cells = [r for r in panel.getElementsByTagName("rect") if r.getAttribute("class") == "cell"]
        if len(cells) != len(languages) ** 2:
            fail(f"pair-matrix.svg {metric}: {len(cells)} cells, expected {len(languages)}²")
        for cell in cells:
            row = languages[len(languages) - 1 - int(cell.getAttribute("data-row"))]
            column = languages[int(cell.getAttribute("data-column"))]
            shown = "".join(c.data for t in cell.getElementsByTagName("title") for c in t.childNodes)
            if row == column:
                if shown != "n/a":
                    fail(f"pair-matrix.svg {metric}: diagonal cell {row} shows {shown}")
                continue
            if metric == "retrieval_p1":
                expected = value("retrieval_p1_fwd", row, column, index)
                if expected is None:
                    expected = value("retrieval_p1_bwd", column, row, index)
            else:
                expected = value(metric, row, column, index)
                if expected is None:
                    expected = value(metric, column, row, index)
            if expected is None or abs(float(shown) - expected) > 5e-4:
                fail(f"pair-matrix.svg {metric} {row}→{column}: cell shows {shown}, expected {expected}")
            cells_checked += 1
    return f"pair matrix: {len(metrics)} panels, {cells_checked} cells at their values"


def check_normalization(report, figures_dir):
    """normalization.svg, when drawn: the diagnostics panel's warning threshold at 0.5 and the reference
    lines of its retrieval panel where they belong."""
    import os
    path = os.path.join(figures_dir, "normalization.svg")
    if not os.path.exists(path):
        return "no normalization.svg"
    root = xml.dom.minidom.parse(path).documentElement
    panels = groups(root, "panel")
    layers = report["layers"]
    threshold = "warning threshold (one dimension > 50 % of the squared norm)"
    checked = 0
    for index, panel in enumerate(panels):
        for reference in groups(panel, "reference"):
            if reference.getAttribute("data-name") != threshold:
                continue
            left, right, y_of = panel_scales(panel, f"normalization.svg panel {index}")
            for p in reference.getElementsByTagName("polyline")[0].getAttribute("points").split():
                py = float(p.split(",")[1])
                if abs(py - y_of(0.5)) > 0.6:
                    fail(f"normalization.svg panel {index}: threshold line at y={py}, expected {y_of(0.5):.2f}")
                checked += 1
    if report.get("diagnostics") and not checked:
        fail("normalization.svg: no warning-threshold line in the diagnostics panel")
    labels = [g.getAttribute("data-label") for g in groups(root, "legend-entry")]
    if report.get("diagnostics") and threshold not in labels:
        fail(f"normalization.svg: legend {labels} lacks the threshold")
    return f"normalization.svg: {len(panels)} panels, legend {len(labels)} entries"


def check_lens_figures(figures_dir):
    import json
    import math
    import os
    curves = json.load(open(os.path.join(figures_dir, "lens-curves.json"), encoding="utf-8"))
    layers, groups = curves["layers"], curves["groups"]
    languages = []
    for group in groups:
        for curve in group["curves"]:
            if curve["language"] not in languages:
                languages.append(curve["language"])
    latent = xml.dom.minidom.parse(os.path.join(figures_dir, "lens-latent.svg")).documentElement
    legend = [g.getAttribute("data-label") for g in groups_of(latent, "legend-entry")]
    if legend != languages:
        fail(f"lens-latent.svg: legend {legend} != answer languages {languages}")
    panels = groups_of(latent, "panel")
    if len(panels) != len(groups) + 1:
        fail(f"lens-latent.svg: {len(panels)} panels, expected {len(groups)} targets + the entropy panel")
    expected = [[(c["language"], c["values"]) for c in g["curves"]] for g in groups]
    expected.append([(f"entropy → {g['target']}", g["entropy"]) for g in groups])
    checked = 0
    for index, (panel, series_list) in enumerate(zip(panels, expected)):
        grid = [l for l in panel.getElementsByTagName("line") if l.getAttribute("class") == "grid"]
        ticks = [number(t) for t in texts(panel, "y-tick")]
        if len(grid) != len(ticks) or len(ticks) < 2:
            fail(f"lens-latent.svg panel {index}: {len(grid)} grid lines for {len(ticks)} y ticks")
        left = min(float(l.getAttribute("x1")) for l in grid)
        right = max(float(l.getAttribute("x2")) for l in grid)
        y0, y1 = float(grid[0].getAttribute("y1")), float(grid[-1].getAttribute("y1"))
        v0, v1 = ticks[0], ticks[-1]
        drawn = {g.getAttribute("data-name"): g for g in groups_of(panel, "series")}
        if list(drawn) != [name for name, _ in series_list]:
            fail(f"lens-latent.svg panel {index}: series {list(drawn)} != {[n for n, _ in series_list]}")
        for name, values in series_list:
            circles = drawn[name].getElementsByTagName("circle")
            points = [(layer, v["mean"]) for layer, v in zip(layers, values)
                      if isinstance(v["mean"], (int, float)) and math.isfinite(v["mean"])]
            if len(circles) != len(points):
                fail(f"lens-latent.svg panel {index} {name}: {len(circles)} points, expected {len(points)}")
            for circle, (layer, mean) in zip(circles, points):
                ex = left + (layer - layers[0]) / (layers[-1] - layers[0]) * (right - left)
                ey = y0 + (mean - v0) / (v1 - v0) * (y1 - y0)
                cx, cy = float(circle.getAttribute("cx")), float(circle.getAttribute("cy"))
                if abs(cx - ex) > 0.05 or abs(cy - ey) > 0.6:
                    fail(f"lens-latent.svg panel {index} {name} layer {layer}: point at ({cx}, {cy}), "
                         f"expected ({ex:.2f}, {ey:.2f}) for mean {mean:.4f}")
                checked += 1
    table = xml.dom.minidom.parse(os.path.join(figures_dir, "lens-table.svg")).documentElement
    cells = [r for r in table.getElementsByTagName("rect") if r.getAttribute("class") == "cell"]
    prompts = min(14, sum(len(g["prompts"]) for g in groups))
    if len(cells) != prompts * len(layers):
        fail(f"lens-table.svg: {len(cells)} cells, expected {prompts} prompts × {len(layers)} layers")
    rows = sorted({int(c.getAttribute("data-row")) for c in cells})
    if rows != list(range(len(layers))):
        fail(f"lens-table.svg: rows {rows[:3]}… are not the layers 0…{len(layers) - 1}")
    print(f"ok lens figures in {figures_dir}: {len(groups)} targets, {checked} points at their means, "
          f"{len(cells)} table cells")


def groups_of(root, class_name):
    return groups(root, class_name)


def check_compare(compare_dir):
    """comparison.svg: one legend entry per run (in order), one panel per metric, every value inside the y
    axis, and on a relative-depth axis x ticks from 0 to 1; difference.svg: one panel per difference. The same
    for lens-comparison.svg / lens-difference.svg (lens runs) and the legend of responses-comparison.svg."""
    import json
    import math
    import os
    report = json.load(open(os.path.join(compare_dir, "compare.json"), encoding="utf-8"))

    def check_curves(name, runs, metrics, curves_of, relative, difference_name, differences, extra_panels=0):
        curves = xml.dom.minidom.parse(os.path.join(compare_dir, name)).documentElement
        legend = [g.getAttribute("data-label") for g in groups(curves, "legend-entry")]
        if legend != runs:
            fail(f"{name}: legend {legend} != runs {runs}")
        panels = groups(curves, "panel")
        expected = len(metrics) + extra_panels
        if len(panels) != expected:
            fail(f"{name}: {len(panels)} panels, expected {expected} (one per metric, then per pair with --per-pair)")
        for panel, metric in zip(panels, metrics):
            values = [p[k] for c in curves_of(metric) for p in c["points"]
                      for k in ("value", "ci_low", "ci_high") if p.get(k) is not None]
            ticks = [number(t) for t in texts(panel, "y-tick")]
            finite = [v for v in values if math.isfinite(v)]
            if finite and (min(finite) < min(ticks) - 1e-9 or max(finite) > max(ticks) + 1e-9):
                fail(f"{name} {metric}: data {min(finite):.4g}…{max(finite):.4g} outside the y axis")
            x_ticks = [number(t) for t in texts(panel, "x-tick")]
            if relative and (min(x_ticks) != 0 or max(x_ticks) != 1):
                fail(f"{name} {metric}: relative-depth axis ticks {x_ticks} do not run from 0 to 1")
        drawn = xml.dom.minidom.parse(os.path.join(compare_dir, difference_name)).documentElement
        if len(groups(drawn, "panel")) != len(differences):
            fail(f"{difference_name}: {len(groups(drawn, 'panel'))} panels, expected {len(differences)}")
        print(f"ok {name} and {difference_name} in {compare_dir} match compare.json ({len(runs)} runs, "
              f"{'relative depth' if relative else 'layers'}, {len(differences)} differences)")

    checked = 0
    if report["metrics"]:
        check_curves("comparison.svg", [r["label"] for r in report["runs"]], report["metrics"],
                     lambda m: [c for c in report["curves"] if c["metric"] == m and c["source"] == "*"],
                     report["settings"]["depth"] == "relative", "difference.svg", report["differences"],
                     len({(c["metric"], c["source"], c["target"]) for c in report["curves"] if c["source"] != "*"}))
        checked += 1
    lens = report.get("lens")
    if lens:
        check_curves("lens-comparison.svg", [r["label"] for r in lens["runs"]], lens["metrics"],
                     lambda m: [c for c in lens["curves"] if c["metric"] == m], lens["depth"] == "relative",
                     "lens-difference.svg", lens["differences"])
        checked += 1
    responses = report.get("responses")
    if responses:
        drawn = xml.dom.minidom.parse(os.path.join(compare_dir, "responses-comparison.svg")).documentElement
        legend = [g.getAttribute("data-label") for g in groups(drawn, "legend-entry")]
        runs = [r["label"] for r in responses["runs"]]
        if legend != runs:
            fail(f"responses-comparison.svg: legend {legend} != runs {runs}")
        print(f"ok responses-comparison.svg in {compare_dir}: one legend entry per run ({len(runs)})")
        checked += 1
    if not checked:
        fail(f"{compare_dir}: compare.json compares nothing")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "check-compare":
        check_compare(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) >= 3 and sys.argv[1] == "check-lens-figures":
        check_lens_figures(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) >= 4 and sys.argv[1] == "check-figures":
        check_figures(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "check-svg":
        check_svg(sys.argv[2])
    elif len(sys.argv) >= 6 and sys.argv[1] == "check-png":
        check_png(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else sys.argv[2])
    else:
        fail(__doc__)
