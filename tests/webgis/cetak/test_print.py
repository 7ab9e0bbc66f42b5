"""/peta/cetak: the permalink's view printed server-side, read back from the PDF and PNG it returns.

The PDF is opened with pypdfium2 (page size in millimetres, the words in the legend's
box and in the footer), the PNG with Pillow (pixels and recorded resolution). What a
print shows follows layers/access.py: an anonymous print of a staff layer is refused
exactly like a print of a layer that does not exist.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from flask import Flask
from PIL import Image

from config.settings import MEDAN_EXTENT
from layers.access import with_roles
from layers.registry import get_registry
from services.analysis.raster_tiles import load_rasters
from services.mapprint import parse_print_request
from services.mapprint.frame import layout_for

MM_PER_PT = 25.4 / 72
ADMIN = {"Authorization": "Bearer test-token"}
JSON = {"Accept": "application/json"}
# Kesawan, where the hand-made OSM extract has streets and the Masjid Raya is near.
KESAWAN = "14/3.58900/98.67900"


def _get(app: Flask, query: str, headers: dict | None = None):  # noqa: ANN202
    return app.test_client().get(f"/peta/cetak?{query}", headers={**JSON, **(headers or {})})


def _pdf(data: bytes) -> tuple[tuple[float, float], str, pdfium.PdfTextPage]:
    page = pdfium.PdfDocument(data)[0]
    width, height = page.get_size()
    text = page.get_textpage()
    return (width * MM_PER_PT, height * MM_PER_PT), text.get_text_range(), text


def _legend_text(textpage: pdfium.PdfTextPage, args: dict[str, str]) -> str:
    """The words inside the legend's box of the layout these arguments give (the layout only, so as admin)."""
    wanted = parse_print_request(args, with_roles("test", "admin"), registry=get_registry(), rasters=load_rasters(), basemap=[],
                                 extent=MEDAN_EXTENT)
    box = layout_for(wanted).legend
    to_pt = 72 / 25.4
    return textpage.get_text_bounded(box.left * to_pt, box.bottom * to_pt, (box.left + box.width) * to_pt,
                                     (box.bottom + box.height) * to_pt)


def test_an_a4_landscape_pdf_has_title_legend_scale_north_arrow_date_and_credits(print_app: Flask) -> None:
    args = {"map": KESAWAN, "layers": "schools,osm_pois", "title": "Sekolah di Kesawan"}
    answer = _get(print_app, "map=14/3.58900/98.67900&layers=schools,osm_pois&title=Sekolah+di+Kesawan")
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="peta-medan-a4-landscape.pdf"'
    assert answer.headers["Server-Timing"].startswith("render;dur=")
    assert "no-store" in answer.headers["Cache-Control"]
    (width, height), text, textpage = _pdf(answer.data)
    assert width == pytest.approx(297, abs=0.5) and height == pytest.approx(210, abs=0.5)
    assert "Sekolah di Kesawan" in text
    legend = _legend_text(textpage, args)
    # The schools' categorized style: a heading and its classes; the POIs' simple style: one entry.
    for entry in ("Legenda", "Sekolah", "SD", "SMP", "SMA", "Tempat penting"):
        assert entry in legend, entry
    for absent in ("Fasilitas kesehatan", "Kelurahan", "Halte", "Pengaduan"):
        assert absent not in legend, absent
    assert "Skala 1:" in text and "Dicetak " in text and " WIB" in text
    assert "\nU\n" in f"\n{text}\n" or "U\r\n" in text  # the north arrow's letter
    assert "© OpenStreetMap contributors (ODbL)" in text  # the streets of the basemap and the POIs
    assert "Kemendikbud" in text  # the schools' declared source


def test_an_a3_portrait_png_is_the_paper_at_150_dpi(print_app: Flask) -> None:
    answer = _get(print_app, f"map={KESAWAN}&layers=schools&size=a3&orientation=portrait&format=png")
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "image/png"
    image = Image.open(io.BytesIO(answer.data))
    dpi = image.info["dpi"][0]
    assert dpi == pytest.approx(150, abs=0.1)
    assert image.width / dpi * 25.4 == pytest.approx(297, abs=1) and image.height / dpi * 25.4 == pytest.approx(420, abs=1)
    rgb = image.convert("RGB")
    assert rgb.getpixel((5, 5)) == (255, 255, 255)  # the page margin
    colours = rgb.crop((image.width // 4, image.height // 4, image.width * 3 // 4, image.height // 2)).getcolors(100_000)
    assert colours is not None and len(colours) > 20  # the map frame is drawn, not blank


def test_a_layer_outside_its_zoom_range_is_named_in_the_footer_not_the_legend(print_app: Flask) -> None:
    args = {"map": "13/3.58900/98.67900", "layers": "schools,osm_pois"}
    answer = _get(print_app, "map=13/3.58900/98.67900&layers=schools,osm_pois")
    _, text, textpage = _pdf(answer.data)
    legend = _legend_text(textpage, args)
    assert "Sekolah" in legend and "Tempat penting" not in legend
    assert "Tidak digambar pada zoom ini: Tempat penting" in text


def test_an_anonymous_print_never_shows_a_staff_layer(print_app: Flask) -> None:
    staff_only = "complaints"
    assert not get_registry().get(staff_only).access.is_public
    refused = _get(print_app, f"map={KESAWAN}&layers=schools,{staff_only}")
    missing = _get(print_app, f"map={KESAWAN}&layers=schools,no_such_layer")
    assert refused.status_code == missing.status_code == 400
    assert refused.get_json()["description"] == "lapisan tidak dikenal: 'complaints'"
    assert missing.get_json()["description"] == "lapisan tidak dikenal: 'no_such_layer'"
    # An admin (who may read it) gets it, in the legend and in the footer's credits.
    args = {"map": KESAWAN, "layers": f"schools,{staff_only}"}
    allowed = _get(print_app, f"map={KESAWAN}&layers=schools,{staff_only}", ADMIN)
    assert allowed.status_code == 200
    _, _, textpage = _pdf(allowed.data)
    assert get_registry().get(staff_only).title.id in _legend_text(textpage, args)
    # And the anonymous print of the public layers alone does not mention it.
    public = _get(print_app, f"map={KESAWAN}&layers=schools")
    _, text, _ = _pdf(public.data)
    assert "Pengaduan" not in text


@pytest.mark.parametrize(("query", "message"), [
    ("layers=schools", "map=<zoom>/<lat>/<lon> diperlukan"),
    (f"map={KESAWAN}&size=a5", "size harus salah satu dari a4, a3, bukan 'a5'"),
    (f"map={KESAWAN}&orientation=diagonal", "orientation harus salah satu dari landscape, portrait"),
    (f"map={KESAWAN}&format=svg", "format harus salah satu dari pdf, png"),
    ("map=14/2.0/98.6", "pusat peta di luar Kota Medan"),
    ("map=25/3.589/98.679", "zoom harus antara 10 dan 19"),
    ("map=14/abc/98.679", "map harus <zoom>/<lat>/<lon>"),
    ("map=10/3.589/98.679&size=a3", "tampilan terlalu luas untuk kertas ini"),
    (f"map={KESAWAN}&bbox=98.0,2.0,99.5,4.5", "tampilan terlalu luas: paling luas 70 km"),
    (f"map={KESAWAN}&bbox=100,1,101,2", "bbox di luar Kota Medan"),
    (f"map={KESAWAN}&title=" + "x" * 121, "judul paling panjang 120 karakter"),
    (f"map={KESAWAN}&layers=nope&lang=en", "unknown layer: 'nope'"),
])
def test_bad_input_gets_a_400_saying_what_was_wrong(print_app: Flask, query: str, message: str) -> None:
    answer = _get(print_app, query)
    assert answer.status_code == 400
    assert message in answer.get_json()["description"]


def test_the_default_title_comes_from_the_view(print_app: Flask) -> None:
    answer = _get(print_app, f"map={KESAWAN}&layers=schools,health_facilities")
    _, text, _ = _pdf(answer.data)
    assert "Peta Kota Medan: Sekolah, Fasilitas kesehatan" in text
    english = _get(print_app, f"map={KESAWAN}&layers=schools&lang=en")
    _, text, _ = _pdf(english.data)
    assert "Medan City Map: Schools" in text and "Legend" in text and "Scale 1:" in text


def test_a_visible_hazard_raster_is_drawn_with_its_classes(print_app: Flask) -> None:
    args = {"map": "13/3.58900/98.67900", "layers": "flood_index"}
    answer = _get(print_app, "map=13/3.58900/98.67900&layers=flood_index")
    assert answer.status_code == 200
    _, text, textpage = _pdf(answer.data)
    legend = _legend_text(textpage, args)
    assert "Indeks rawan banjir (sintetis)" in legend and "Tinggi" in legend
    assert "Badan Informasi Geospasial" in text


def test_only_the_embed_view_may_be_framed(print_app: Flask) -> None:
    client = print_app.test_client()
    embed = client.get("/peta/sematkan")
    assert embed.status_code == 200 and "embed-page" in embed.get_data(as_text=True)
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "script-src 'self';" in embed.headers["Content-Security-Policy"]  # nothing else loosened
    for path in ("/peta", "/peta/cetak?map=14/3.589/98.679", "/katalog", "/login"):
        answer = client.get(path)
        assert answer.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], path
