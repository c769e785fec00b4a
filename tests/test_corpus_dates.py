"""Dates, header blocks and column mapping on an analyst's own files (analysis.corpus.dates, .header).

The three reproductions of issue 14 are here: a CSV under the user's own column names, a folder of
Spanish .txt files with datelines and Fecha:/Fuente: lines, and a JSONL with day-first dates.
"""

from __future__ import annotations

import csv
import json
import time

import pandas as pd
import pytest

from analysis.corpus import CorpusError, load_corpus
from analysis.corpus.dates import column_order, find_dateline, read_date, resolve_dates
from analysis.corpus.header import split_header
from analysis.report import Settings

DAY = pd.Timestamp


# --- reading one date -----------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("14 de marzo de 2025", "2025-03-14"),
    ("Jueves 14 de marzo de 2025, 10:30", "2025-03-14 10:30"),
    ("5 de março de 2024", "2024-03-05"),
    ("1 de setembro de 2023", "2023-09-01"),
    ("March 3, 2021", "2021-03-03"),
    ("3 Mar 2021", "2021-03-03"),
    ("2025-09-01T14:30:00Z", "2025-09-01"),
    ("21/06/2004", "2004-06-21"),
    ("12/31/2020", "2020-12-31"),
    ("07.05.2004", "2004-05-07"),  # equal day and month are not ambiguous; 07.05 needs dayfirst below
    ("1º de maio de 2024", "2024-05-01"),
    ("Publicado el 3 de febrero de 2025", "2025-02-03"),
    ("domingo 14 de marzo de 2021 - 10:30 hrs", "2021-03-14 10:30"),
    ("Mayo 1ro, 2020", "2020-05-01"),
])
def test_written_and_unambiguous_dates_are_read(value, expected):
    reading = read_date(value, dayfirst=True if value == "07.05.2004" else None)
    assert reading.date == DAY(expected)


@pytest.mark.parametrize("value, note", [
    ("05/07/2004", "could be day or month first; left undated (set dayfirst true or false)"),
    ("ayer", "not understood; left undated"),
    ("marzo de 2025", "not understood; left undated"),
    ("31/31/2004", "is not a calendar date"),
])
def test_ambiguous_and_unreadable_dates_are_left_undated_with_a_reason(value, note):
    reading = read_date(value)
    assert reading.date is None and note in reading.note


def test_the_order_is_decided_by_the_column_then_the_language_then_the_setting():
    column = ["05/07/2004", "21/06/2004", "03/04/2005"]
    assert column_order(column) == "day" and column_order(["05/07/2004", "06/21/2004"]) == "month"
    assert column_order(["13/01/2004", "01/13/2004"]) == "mixed" and column_order(["05/07/2004"]) is None
    by_column = resolve_dates(column, ["t"] * 3, ["en"] * 3)
    assert [r.date for r in by_column] == [DAY("2004-07-05"), DAY("2004-06-21"), DAY("2005-04-03")]
    assert by_column[0].note == "'05/07/2004' read day first (the column's other dates)" and by_column[1].note == ""
    us = resolve_dates(["05/07/2004", "06/21/2004"], ["t"] * 2, ["en"] * 2)
    assert us[0].date == DAY("2004-05-07")
    spanish = resolve_dates(["05/07/2004"], ["t"], ["es"])
    assert spanish[0].date == DAY("2004-07-05") and "articles in 'es'" in spanish[0].note
    english = resolve_dates(["05/07/2004"], ["t"], ["en"])
    assert english[0].date is None and "day or month first" in english[0].note
    told = resolve_dates(["05/07/2004", "21/06/2004"], ["t"] * 2, ["es"] * 2, dayfirst=False)
    assert told[0].date == DAY("2004-05-07") and told[0].note == ""
    assert told[1].date == DAY("2004-06-21") and "against the dayfirst setting" in told[1].note
    # columns are decided separately: one file's day-first dates say nothing about another's
    two = resolve_dates(["21/06/2004", "05/07/2004"], ["a", "b"], ["en", "en"])
    assert two[1].date is None


def test_dateparser_is_fast_enough_on_thousands_of_dates():
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre"]
    values = [f"{1 + i % 28} de {months[i % 9]} de {2000 + i % 25}" for i in range(3000)]
    start = time.perf_counter()
    readings = resolve_dates(values, [""] * len(values), ["es"] * len(values))
    assert all(r.date is not None for r in readings)
    assert readings[0].date == DAY("2000-01-01")
    assert time.perf_counter() - start < 30  # ~1 ms per distinct string, each parsed once


def test_datelines_give_place_and_date():
    assert find_dateline(["Culiacán, 14 de marzo de 2025."]) == ("Culiacán", "14 de marzo de 2025")
    assert find_dateline(["", "CULIACÁN, Sin., 14 de marzo de 2025.- La Fiscalía informó"]) == \
        ("CULIACÁN", "14 de marzo de 2025")
    assert find_dateline(["La policía dijo el 14 de marzo de 2025 que"]) is None
    assert find_dateline(["Hace tiempo, 5 de julio de 2020 fue un gran día para todos"]) is None


def test_header_block_is_split_from_the_text():
    fields, body = split_header("\nTítulo: Decomisan cocaína\nFECHA: 14/03/2025\nfuente: El Universal\n"
                                "URL: https://www.eluniversal.com.mx/x\n\nCuerpo: del texto.\n")
    assert fields == {"title": "Decomisan cocaína", "date": "14/03/2025", "source": "El Universal",
                      "url": "https://www.eluniversal.com.mx/x"}
    assert body == "\nCuerpo: del texto.\n"
    assert split_header("Nota: esto no es un encabezado.\nTexto.") == ({}, "Nota: esto no es un encabezado.\nTexto.")


# --- the three reproductions ----------------------------------------------------------------

LEADS = {
    "mx1": ("Decomisan dos toneladas de cocaína en Manzanillo",
            "La Secretaría de Marina aseguró dos toneladas de cocaína procedentes de Ecuador en el puerto de "
            "Manzanillo, en un contenedor que llegó por barco, informaron las autoridades federales."),
    "mx2": ("Atacan a policías en Culiacán",
            "Hombres armados atacaron a una patrulla de la policía estatal en Culiacán, Sinaloa, donde murieron "
            "tres agentes, según la fiscalía, que abrió una investigación por el ataque."),
    "co1": ("Capturan a cabecilla del Clan del Golfo",
            "El Ejército capturó en Buenaventura, Valle del Cauca, a un cabecilla del Clan del Golfo que "
            "coordinaba el envío de cocaína por el Pacífico, informó la Fiscalía General."),
    "ec1": ("Guayaquil, otra noche de violencia",
            "Una masacre en un barrio del sur de Guayaquil dejó seis muertos, en una disputa entre bandas por las "
            "rutas de la droga hacia los puertos, según la Policía Nacional."),
}
EXPECTED_COUNTRY = {"mx1": "Mexico", "mx2": "Mexico", "co1": "Colombia", "ec1": "Ecuador"}


def test_csv_under_the_users_own_column_names(tmp_path):
    dates = {"mx1": "05/07/2004", "mx2": "21/06/2004", "co1": "03/04/2005", "ec1": "12/11/2005"}
    outlets = {"mx1": "El Universal", "mx2": "Ríodoce", "co1": "El País Cali", "ec1": "El Universo"}
    with open(tmp_path / "items.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Identificador", "Titular", "Cuerpo", "Publicado el", "Medio"])
        for key, (title, text) in LEADS.items():
            writer.writerow([key, title, text, dates[key], outlets[key]])
    settings = Settings.from_pairs([("text_column", "Cuerpo"), ("title_column", "Titular"),
                                    ("date_column", "Publicado el"), ("source_column", "Medio"),
                                    ("id_column", "Identificador")])
    corpus = load_corpus(tmp_path / "items.csv", show_progress=False, **settings.load_options())
    articles = corpus.articles.set_index("article_id")
    assert articles["date"].to_dict() == {"mx1": DAY("2004-07-05"), "mx2": DAY("2004-06-21"),
                                          "co1": DAY("2005-04-03"), "ec1": DAY("2005-11-12")}
    assert articles["source"].to_dict() == outlets
    assert articles["title"].to_dict() == {key: title for key, (title, _) in LEADS.items()}
    assert articles["country"].to_dict() == EXPECTED_COUNTRY
    assert "columns of" in corpus.column_summary() and "date <- 'Publicado el'" in corpus.column_summary()
    notes = corpus.manifest.set_index("article_id")["date_note"]
    assert notes["mx1"] == "'05/07/2004' read day first (the column's other dates)" and notes["mx2"] == ""


def test_folder_of_spanish_txt_with_datelines_and_fecha_fuente_lines(tmp_path):
    folder = tmp_path / "notas"
    folder.mkdir()
    (folder / "mx1.txt").write_text(
        "Título: Decomisan dos toneladas de cocaína en Manzanillo\nFecha: 05/07/2024\nFuente: El Universal\n"
        "URL: https://www.eluniversal.com.mx/nacion/decomiso\n\n" + LEADS["mx1"][1] + "\n", encoding="utf-8")
    (folder / "mx2.txt").write_text(
        "fecha: 14 de marzo de 2025\nfuente: Ríodoce\n\n" + LEADS["mx2"][0] + "\n\nCuliacán, 14 de marzo de 2025.\n\n"
        + LEADS["mx2"][1] + "\n", encoding="utf-8")
    (folder / "co1.txt").write_text(
        LEADS["co1"][0] + "\n\nBuenaventura, 3 de abril de 2024.- " + LEADS["co1"][1] + "\n", encoding="utf-8")
    (folder / "ec1.txt").write_text(
        "FUENTE: El Universo\nFECHA: 21/06/2024\n\n" + LEADS["ec1"][1] + "\n", encoding="utf-8")
    corpus = load_corpus(folder, show_progress=False)
    articles = corpus.articles.set_index("article_id")
    assert articles["date"].to_dict() == {"mx1": DAY("2024-07-05"), "mx2": DAY("2025-03-14"),
                                          "co1": DAY("2024-04-03"), "ec1": DAY("2024-06-21")}
    assert articles["source"].to_dict() == {"mx1": "El Universal", "mx2": "Ríodoce", "co1": "", "ec1": "El Universo"}
    assert articles.loc["mx1", "url"] == "https://www.eluniversal.com.mx/nacion/decomiso"
    assert articles.loc["mx1", "site"] == "eluniversal.com.mx"
    assert articles.loc["mx1", "title"] == LEADS["mx1"][0]
    assert articles["country"].to_dict() == EXPECTED_COUNTRY
    assert set(articles["language"]) == {"es"}
    for text in corpus.passages["text"]:
        for key in ("Título:", "Fecha:", "fecha:", "Fuente:", "fuente:", "FUENTE:", "URL:", "http"):
            assert key not in text
    assert articles.loc["mx1", "text"].startswith(LEADS["mx1"][0] + "\n\nLa Secretaría de Marina")


def test_jsonl_with_day_first_dates_and_its_own_field_names(tmp_path):
    path = tmp_path / "items.jsonl"
    rows = [{"uid": key, "hed": title, "content": text, "desk": "Redacción " + key[:2].upper(), "pub_date": date}
            for (key, (title, text)), date in zip(LEADS.items(), ["05/07/2004", "13/01/2005", "02/03/2005",
                                                                    "09/10/2005"])]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    unmapped = load_corpus(path, show_progress=False)
    assert unmapped.articles["date"].isna().all()  # pub_date is not a known date column name: nothing guessed
    corpus = load_corpus(path, show_progress=False, **Settings(
        text_column="content", title_column="hed", date_column="pub_date", source_column="desk",
        id_column="uid").load_options())
    articles = corpus.articles.set_index("article_id")
    assert articles["date"].to_dict() == {"mx1": DAY("2004-07-05"), "mx2": DAY("2005-01-13"),
                                          "co1": DAY("2005-03-02"), "ec1": DAY("2005-10-09")}
    assert articles["source"].to_dict() == {"mx1": "Redacción MX", "mx2": "Redacción MX", "co1": "Redacción CO",
                                            "ec1": "Redacción EC"}
    assert articles["title"].to_dict() == {key: title for key, (title, _) in LEADS.items()}
    assert articles["country"].to_dict() == EXPECTED_COUNTRY
    assert "dates: 2004-07-05 to 2005-10-09" in corpus.summary()


def test_english_table_with_only_ambiguous_dates_says_so(tmp_path):
    path = tmp_path / "us.csv"
    text = "Federal agents seized fentanyl pills at the border crossing in Nogales, Arizona, officials said on Monday."
    path.write_text("id,text,date\nu1,\"" + text + "\",05/07/2004\nu2,\"" + text.replace("Monday", "Friday")
                    + "\",06/08/2004\n", encoding="utf-8")
    corpus = load_corpus(path, show_progress=False)
    assert corpus.articles["date"].isna().all()
    assert corpus.manifest["date_note"].str.contains("could be day or month first").all()
    assert "set dayfirst" in corpus.summary()
    fixed = load_corpus(path, show_progress=False, dayfirst=False)
    assert fixed.articles["date"].tolist() == [DAY("2004-05-07"), DAY("2004-06-08")]
    with pytest.raises(CorpusError, match=r"dayfirst='yes' must be True, False or None"):
        load_corpus(path, show_progress=False, dayfirst="yes")
