"""The matrix reads with red-green and blue-yellow colour blindness and in grey-scale.

The colours are read back from the rendered 200 dpi PNG (marker centres and zone interiors), then simulated with
Machado, Oliveira & Fernandes (2009) at full severity, applied to linear sRGB as the model defines (colour-science's
matrices), and compared with CIEDE2000 in CIELAB (D65). Grey-scale is the relative luminance. The bounds:

- pillars (point fills): ΔE00 >= 30 between any two, in every simulation;
- zones: ΔE00 >= 10 between any two (major, important, general) under each colour-vision simulation, >= 5 in grey;
- every pillar against every zone: ΔE00 >= 15, so a point never melts into its background.

For scale: 2.3 is a just-noticeable difference. The old palette's Social and Governance were 3.0 apart under
deuteranopia, its Environmental and Social 11.5 under tritanopia, and its major and important zones 9.8.
"""

from __future__ import annotations

import io
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from materiality import matrix

colour = pytest.importorskip("colour")  # colour-science: validated CVD matrices and CIEDE2000

SIMULATIONS = {"deuteranopia": "Deuteranomaly", "protanopia": "Protanomaly", "tritanopia": "Tritanomaly"}
PILLAR_BOUND, ZONE_BOUND, GREY_ZONE_BOUND, POINT_ZONE_BOUND = 30.0, 10.0, 5.0, 15.0


def simulate(srgb: np.ndarray, kind: str) -> np.ndarray:
    """Return the CIELAB colour an sRGB colour (0..1) appears as with the given vision ('normal', 'grey' or a CVD)."""
    linear = colour.cctf_decoding(srgb, "sRGB")
    if kind == "grey":
        linear = np.repeat(linear @ np.array([0.2126, 0.7152, 0.0722]), 3)
    elif kind != "normal":
        with warnings.catch_warnings():
            # colour warns that its tritanomaly matrices approximate tritanopia by a shift: accepted, and stated.
            warnings.simplefilter("ignore")
            cvd = colour.blindness.matrix_cvd_Machado2009(SIMULATIONS[kind], 1.0)
        linear = np.clip(cvd @ linear, 0.0, 1.0)
    return colour.XYZ_to_Lab(colour.sRGB_to_XYZ(colour.cctf_encoding(linear, "sRGB")))


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(colour.delta_E(a, b, method="CIE 2000"))


def spread_scores() -> pd.DataFrame:
    """Two well-separated points per pillar, each alone in its zone's corner, so their centres show their fill."""
    rows = {"E01": ("E", 4.6, 2.0), "E02": ("E", 2.0, 3.6), "S01": ("S", 3.6, 4.6), "S02": ("S", 1.8, 1.8),
            "G01": ("G", 4.6, 4.6), "G02": ("G", 3.5, 2.6)}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["pillar", "impact", "financial"])
    for dim in ("impact", "financial"):
        frame[f"{dim}_low"], frame[f"{dim}_high"] = frame[dim], frame[dim]  # no bars across the centres
    return frame.assign(name=["Climate", "Energy", "Products", "People", "Governance", "Ethics"])


def rendered_colours() -> dict[str, np.ndarray]:
    """The pillar and zone colours as the rendered PNG shows them, sRGB 0..1."""
    fig = matrix.draw(spread_scores(), scale=5, major=4.0, important=3.0)
    image = np.asarray(Image.open(io.BytesIO(matrix.render(fig, "png"))).convert("RGB")) / 255.0
    ax = fig.axes[0]
    zoom = matrix.DPI / fig.dpi  # the layout is in 100-dpi pixels, the PNG at 200 dpi
    height = image.shape[0]

    def pixel(x: float, y: float) -> np.ndarray:
        px, py = ax.transData.transform((x, y)) * zoom
        return image[int(round(height - py)), int(round(px))]

    frame = spread_scores()
    found: dict[str, np.ndarray] = {}
    for pillar in matrix.PILLAR_STYLES:
        fills = [pixel(row.financial, row.impact) for row in frame[frame["pillar"] == pillar].itertuples()]
        assert np.allclose(fills[0], fills[1], atol=2 / 255)  # the same fill wherever the point is
        found[pillar] = fills[0]
    # A spot inside each zone away from every point, label and line.
    found["general"] = pixel(2.5, 2.3)
    found["important"] = pixel(2.6, 3.2)
    found["major"] = pixel(4.2, 4.15)
    return found


@pytest.fixture(scope="module")
def rendered() -> dict[str, np.ndarray]:
    return rendered_colours()


def test_rendered_colours_are_the_palette(rendered):
    for key, expected in {**matrix.PILLAR_COLOURS, **matrix.ZONE_COLOURS}.items():
        wanted = np.array([int(expected[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        assert np.allclose(rendered[key], wanted, atol=2 / 255), key


def minimum_differences(rendered: dict[str, np.ndarray], kind: str) -> dict[str, float]:
    lab = {key: simulate(value, kind) for key, value in rendered.items()}
    pillars, zones = list(matrix.PILLAR_STYLES), ["major", "important", "general"]
    return {
        "pillars": min(delta_e(lab[a], lab[b]) for a, b in itertools.combinations(pillars, 2)),
        "zones": min(delta_e(lab[a], lab[b]) for a, b in itertools.combinations(zones, 2)),
        "point_zone": min(delta_e(lab[p], lab[z]) for p in pillars for z in zones),
    }


@pytest.mark.parametrize("kind", ["normal", *SIMULATIONS])
def test_pillars_and_zones_stay_apart_under_each_colour_vision(rendered, kind):
    found = minimum_differences(rendered, kind)
    assert found["pillars"] >= PILLAR_BOUND, found
    assert found["zones"] >= ZONE_BOUND, found
    assert found["point_zone"] >= POINT_ZONE_BOUND, found


def test_in_grey_zones_differ_in_lightness_and_pillars_in_shape(rendered):
    found = minimum_differences(rendered, "grey")
    assert found["zones"] >= GREY_ZONE_BOUND, found
    assert found["point_zone"] >= POINT_ZONE_BOUND, found
    lightness = {z: simulate(rendered[z], "grey")[0] for z in ("general", "important", "major")}
    assert lightness["general"] > lightness["important"] > lightness["major"]  # darker is more material
    # Grey pillar fills may be close (blue and vermillion are 8 apart): the shapes tell them apart.
    assert len({style.marker for style in matrix.PILLAR_STYLES.values()}) == len(matrix.PILLAR_STYLES)


def test_the_old_palette_fails_the_same_check():
    """The check can fail: the colours the issue reported alike (red-green: Social and Governance; blue-yellow:
    Environmental and Social, and the major and important zones)."""
    old = {"E": "#2e7d32", "S": "#1565c0", "G": "#8e24aa", "important": "#fff3cd", "major": "#f8d7da"}

    def seen(key: str, kind: str) -> np.ndarray:
        return simulate(np.array([int(old[key][i:i + 2], 16) for i in (1, 3, 5)]) / 255, kind)

    assert delta_e(seen("S", "deuteranopia"), seen("G", "deuteranopia")) < PILLAR_BOUND
    assert delta_e(seen("E", "tritanopia"), seen("S", "tritanopia")) < PILLAR_BOUND
    assert delta_e(seen("important", "tritanopia"), seen("major", "tritanopia")) < ZONE_BOUND
