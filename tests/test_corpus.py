"""Tests of analysis.corpus on the seed articles, real third-party corpora and malformed inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus.passages import passage_spans
from analysis.corpus import ARTICLE_COLUMNS, MANIFEST_COLUMNS, PASSAGE_COLUMNS, Corpus, CorpusError, load_corpus

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
MALFORMED = Path(__file__).resolve().parent / "data" / "malformed"
SEED_000 = "000_3bc4a1a3dc8a1a51"
HEADLINE_000 = "How the U.S. Focus on Fentanyl Helped Fuel the Cocaine Trade’s Resurgence"


@pytest.fixture(scope="module")
def seeds() -> Corpus:
    return load_corpus(SEEDS, show_progress=False)


@pytest.fixture(scope="module")
def malformed() -> Corpus:
    return load_corpus(MALFORMED, show_progress=False)


def article(corpus: Corpus, article_id: str) -> pd.Series:
    rows = corpus.articles[corpus.articles["article_id"] == article_id]
    assert len(rows) == 1, f"{article_id} not among {corpus.articles['article_id'].tolist()}"
    return rows.iloc[0]


def manifest_status(corpus: Corpus) -> dict[str, tuple[str, str]]:
    """Input name (relative to the corpus folder) -> (status, reason)."""
    return {
        Path(row.input).relative_to(MALFORMED).as_posix(): (row.status, row.reason)
        for row in corpus.manifest.itertuples()
    }


# --- seeds ----------------------------------------------------------------------------------


def test_seeds_all_five_loaded(seeds):
    assert list(seeds.articles.columns) == list(ARTICLE_COLUMNS)
    assert list(seeds.passages.columns) == list(PASSAGE_COLUMNS)
    assert list(seeds.manifest.columns) == list(MANIFEST_COLUMNS)
    assert len(seeds.articles) == 5
    assert set(seeds.articles["status"]) == {"loaded"}
    loaded = seeds.manifest[seeds.manifest["status"] == "loaded"]
    assert sorted(loaded["article_id"]) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    # anything else in the folder (the framing annotations) is accounted for, not read as articles
    others = seeds.manifest[seeds.manifest["status"] != "loaded"]
    assert set(others["status"]) <= {"skipped"}
    assert all(reason.startswith("passage table, not articles") for reason in others["reason"])
    assert set(seeds.articles["language"]) == {"en"}
    assert seeds.articles["date"].dtype == "datetime64[ns]"


def test_seed_000_starts_at_headline_and_ends_with_bio(seeds):
    seed = article(seeds, SEED_000)
    text = seed["text"]
    assert text.startswith(HEADLINE_000 + "\n\nAcross Latin America, the resurgence of cocaine")
    assert text.endswith(
        "Maria Abi-Habib is an investigative correspondent reporting on Latin America and is based in Mexico City."
    )
    assert text.count(HEADLINE_000) == 1
    for furniture in ("DNYUZ", "No Result", "View All Result", "Home News", "in News", "appeared first on",
                      "Climate Goals", "Read more", "December 27, 2025", "December 5, 2025", "©"):
        assert furniture not in text
    assert seed["title"] == HEADLINE_000
    assert seed["source"] == "New York Times"
    assert seed["date"] == pd.Timestamp("2025-12-05")
    assert seed["country"] == "Ecuador"


def test_seed_header_lines_become_date_and_title(seeds):
    for article_id in ("001_5db5e4aeedc66a77", "004_664e910f5ad962ea"):
        seed = article(seeds, article_id)
        assert seed["date"] == pd.Timestamp("2026-03-04")
        assert "date 2026-03-04" not in seed["text"]
        assert "Headline:" not in seed["text"]
    assert article(seeds, "004_664e910f5ad962ea")["title"] == "U.S. and Ecuador Unite in Antinarcotics Campaign"
    assert article(seeds, "001_5db5e4aeedc66a77")["text"].startswith("The US and Ecuador have also initiated")
    assert not article(seeds, "004_664e910f5ad962ea")["text"].endswith("Call to Action")


def test_seed_002_has_no_trailing_faq_block(seeds):
    text = article(seeds, "002_6145f9df0f440c78")["text"]
    for block in ("Common question", "Go deeper", "More on these topics", "Juan Evo Morales Ayma"):
        assert block not in text
    assert text.endswith("record cocaine production and trafficking.")


def test_seed_003_has_no_trailing_blank_lines(seeds):
    seed = article(seeds, "003_52007b56ccc49824")
    assert seed["text"] == seed["text"].strip()
    assert seed["text"].endswith("The ports must be secured.”")
    assert "Pazmiño" in seed["text"]


def test_seed_passages_reproduce_offsets(seeds):
    texts = dict(zip(seeds.articles["article_id"], seeds.articles["text"]))
    for passage in seeds.passages.itertuples():
        assert texts[passage.article_id][passage.start:passage.end] == passage.text
        assert passage.passage_id == f"{passage.article_id}#{passage.order:03d}"
        assert passage.n_words == len(passage.text.split())
    orders = seeds.passages.groupby("article_id")["order"].apply(list)
    assert all(order == list(range(1, len(order) + 1)) for order in orders)
    assert set(seeds.passages["article_id"]) == set(texts)


def test_seed_passages_within_word_bounds(seeds):
    words = seeds.passages["n_words"]
    assert words.min() >= 8
    assert words.max() <= 180
    # the sub-heading "Rising Violence in Ecuador" travels with the paragraph after it
    text_001 = seeds.passages[seeds.passages["article_id"] == "001_5db5e4aeedc66a77"]["text"]
    assert any(t.startswith("Rising Violence in Ecuador\n\nDrug trafficking has created") for t in text_001)


def test_loading_is_deterministic(seeds):
    again = load_corpus(SEEDS, show_progress=False)
    pd.testing.assert_frame_equal(again.articles, seeds.articles)
    pd.testing.assert_frame_equal(again.passages, seeds.passages)


def test_save_and_load_round_trip(seeds, tmp_path):
    out = seeds.save(tmp_path / "saved")
    assert sorted(p.name for p in out.iterdir()) == ["articles.parquet", "manifest.csv", "passages.parquet"]
    back = Corpus.load(out)
    pd.testing.assert_frame_equal(back.articles, seeds.articles)
    pd.testing.assert_frame_equal(back.passages, seeds.passages)
    pd.testing.assert_frame_equal(back.manifest, seeds.manifest)


def test_summary_reports_counts_sources_and_dates(seeds):
    summary = seeds.summary()
    assert re.search(r"inputs: \d+ \(5 loaded, 0 duplicate, \d+ skipped\)", summary)
    assert f"passages: {len(seeds.passages)}" in summary
    assert "New York Times 1" in summary
    assert "2025-12-05 to 2026-03-04 (2 undated)" in summary
    assert "en 5" in summary


def test_date_filter_skips_with_reason_and_keeps_undated(seeds):
    corpus = load_corpus(SEEDS, date_from="2026-01-01", show_progress=False)
    reasons = dict(zip(corpus.manifest["article_id"], corpus.manifest["reason"]))
    assert reasons[SEED_000] == "date 2025-12-05 before date_from 2026-01-01"
    assert set(corpus.articles["article_id"]) == set(seeds.articles["article_id"]) - {SEED_000}
    with pytest.raises(CorpusError, match=r"no articles left after cleaning: \d+ of \d+ inputs were skipped"):
        load_corpus(SEEDS, date_to="2020-01-01", date_from="2019-01-01", language="es", show_progress=False)


# --- cleaning -------------------------------------------------------------------------------

PROSE = [
    "Soldiers searched the hillside villages for a second week as the hunt for the gang leader went on.",
    "Farmers in the valley said the army had not visited since the election and that coca prices had fallen.",
    "The attorney general asked the courts to freeze the assets of four companies linked to the network.",
    "Residents of the port district described nightly gunfire and shops closing early out of fear.",
]


def write_site(folder: Path, tagline: str) -> None:
    """Four articles from one site, each ending with the same tagline line."""
    site = folder / "el-sur"
    site.mkdir()
    for i, paragraph in enumerate(PROSE):
        (site / f"{i}.txt").write_text(
            f"Headline number {i} about the valley\n\n{paragraph}\n\n{tagline}\n", encoding="utf-8"
        )


def test_line_repeated_across_a_site_is_dropped(tmp_path):
    tagline = "El Sur Diario publishes independent reporting from the southern provinces every day."
    write_site(tmp_path, tagline)
    corpus = load_corpus(tmp_path, show_progress=False)
    assert len(corpus.articles) == 4
    assert not corpus.articles["text"].str.contains("independent reporting").any()
    assert corpus.articles["text"].str.contains("Soldiers searched|Farmers in|attorney general|port district").all()
    assert set(corpus.articles["collection"]) == {"el-sur"}


def test_related_list_with_dates_and_furniture_removed(tmp_path):
    text = (
        "Menu\nSearch\n\nGangs extend their reach into the Amazon\n\nBy Ana Gómez\n3 de marzo de 2025\n\n"
        + "\n\n".join(PROSE)
        + "\n\nShare this article\nSubscribe to our newsletter\n\nRelated\n"
        "Police raid warehouse in Manaus\nMarch 2, 2025\nNew bridge opens on border road\nMarch 1, 2025\n"
        "© 2025 Example Media. All rights reserved.\n"
    )
    (tmp_path / "amazon.txt").write_text(text, encoding="utf-8")
    found = article(load_corpus(tmp_path, show_progress=False), "amazon")
    assert found["title"] == "Gangs extend their reach into the Amazon"
    assert found["author"] == "Ana Gómez"
    assert found["date"] == pd.Timestamp("2025-03-03")
    assert found["text"].startswith("Gangs extend their reach into the Amazon\n\nSoldiers searched")
    assert found["text"].endswith("shops closing early out of fear.")


def test_text_is_nfc_normalised_and_curly_quotes_kept(tmp_path):
    decomposed = "Bogote\u0301 officials said \u201cno comment\u201d about the seizure of cocaine in the port."
    (tmp_path / "nfc.txt").write_text(decomposed, encoding="utf-8")
    text = article(load_corpus(tmp_path, show_progress=False), "nfc")["text"]
    assert text.startswith("Bogoté officials said \u201cno comment\u201d")


# --- passages -------------------------------------------------------------------------------


def test_long_paragraph_split_at_sentences_within_bounds():
    sentence = "The navy seized a boat carrying cocaine off the coast of Ecuador on Tuesday."
    text = "Short heading\n\n" + " ".join([sentence] * 40) + "\n\nClosing line."
    spans = passage_spans(text, 8, 60)
    counts = [len(text[s:e].split()) for s, e in spans]
    assert len(spans) >= 9
    assert all(8 <= n <= 60 for n in counts)
    assert text[spans[0][0]:spans[0][1]].startswith("Short heading\n\nThe navy")
    assert text[spans[-1][0]:spans[-1][1]].endswith("Tuesday.\n\nClosing line.")
    assert all(text[s:e].strip() == text[s:e] for s, e in spans)
    assert all(text[s:e].endswith((".", "line.")) for s, e in spans)


def test_one_paragraph_per_line_and_hard_wrapped_lines():
    text = ("First paragraph sits on one line and ends here with a stop.\n"
            "Second paragraph is on the next line and also ends with a stop.\n"
            "A hard-wrapped paragraph breaks its line in the middle of\n"
            "a sentence and carries on in lower case until the end.")
    pieces = [text[s:e] for s, e in passage_spans(text, 5, 50)]
    assert pieces[:2] == [
        "First paragraph sits on one line and ends here with a stop.",
        "Second paragraph is on the next line and also ends with a stop.",
    ]
    assert pieces[2].endswith("until the end.") and "middle of\na sentence" in pieces[2]


def test_article_shorter_than_min_words_is_one_passage():
    assert passage_spans("Cartel boss caught.", 8, 180) == [(0, 19)]


# --- real corpora ---------------------------------------------------------------------------


@pytest.mark.corpora
@pytest.mark.slow
def test_bbc_every_article_accounted_with_its_collection(corpora_dir):
    folder = corpora_dir / "bbc"
    expected = {"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}
    on_disk = {d.name: len(list(d.glob("*.txt"))) for d in folder.iterdir() if d.is_dir()}
    assert on_disk == expected
    corpus = load_corpus(folder, show_progress=False)
    articles = corpus.articles
    assert len(articles) == 2225
    assert set(articles["status"]) == {"loaded", "duplicate"}
    assert articles.groupby("collection").size().to_dict() == expected
    assert articles["article_id"].str.split("/").str[0].tolist() == articles["collection"].tolist()
    assert (corpus.manifest["status"] != "skipped").sum() == 2225
    skipped = corpus.manifest[corpus.manifest["status"] == "skipped"]
    assert skipped["reason"].tolist() == ["documentation file (README.TXT)"]
    duplicates = articles[articles["status"] == "duplicate"]
    assert 98 <= len(duplicates) < 250  # 98 byte-identical pairs, plus lightly edited copies
    originals = set(articles.loc[articles["status"] == "loaded", "article_id"])
    assert set(duplicates["duplicate_of"]) <= originals
    assert set(corpus.passages["article_id"]) == originals
    first = article(corpus, "business/001")
    assert first["title"] == "Ad sales boost Time Warner profit"
    assert first["text"].startswith("Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant")
    assert "£15.8m" in article(corpus, "sport/199")["text"]  # the one Windows-1252 file


@pytest.mark.corpora
@pytest.mark.slow
def test_ag_news_headerless_csv_rows(corpora_dir):
    corpus = load_corpus(corpora_dir / "ag_news" / "ag_news_test.csv", show_progress=False)
    assert len(corpus.manifest) == 7600
    assert len(corpus.articles) == 7600
    assert set(corpus.articles["status"]) <= {"loaded", "duplicate"}
    assert corpus.articles.groupby("collection").size().to_dict() == {
        "Business": 1900, "Sci/Tech": 1900, "Sports": 1900, "World": 1900,
    }
    first = article(corpus, "ag_news_test:1")
    assert first["title"] == "Fears for T N pension after talks"
    assert first["text"].startswith("Fears for T N pension after talks. Unions representing workers at Turner")
    assert first["input"].endswith("ag_news_test.csv:1")
    assert not corpus.articles["text"].str.contains("#39;|\\\\", regex=True).any()


# --- malformed inputs -----------------------------------------------------------------------


def test_malformed_every_input_accounted(malformed):
    status = manifest_status(malformed)
    files = {p.relative_to(MALFORMED).as_posix() for p in MALFORMED.rglob("*") if p.is_file()}
    tables = {"broken_quotes.csv", "dup_ids.csv", "items.jsonl"}
    assert {name.split(":")[0] for name in status} == files
    assert {name for name in status if ":" in name} == {
        f"{table}:{row}" for table in tables for row in (1, 2, 3)
    }
    assert status == {
        "binary.txt": ("skipped", "binary file"),
        "bom_utf8.txt": ("loaded", ""),
        "briefing.md": ("loaded", ""),
        "broken_quotes.csv:1": ("loaded", ""),
        "broken_quotes.csv:2": ("skipped", "unreadable CSV row (line 3: 2 fields, expected 5)"),
        "broken_quotes.csv:3": ("loaded", ""),
        "dup_ids.csv:1": ("loaded", ""),
        "dup_ids.csv:2": ("loaded", ""),
        "dup_ids.csv:3": ("skipped", f"duplicate id 'a1' (already used by {MALFORMED / 'dup_ids.csv'}:1)"),
        "empty.txt": ("skipped", "empty file"),
        "es/puerto_latin1.txt": ("loaded", ""),
        "items.jsonl:1": ("loaded", ""),
        "items.jsonl:2": ("skipped", status["items.jsonl:2"][1]),
        "items.jsonl:3": ("loaded", ""),
        "metadata.json": ("skipped", "unsupported file type '.json'"),
        "mojibake.txt": ("loaded", ""),
        "nav_only.txt": ("skipped", "no text after cleaning"),
        "near_dup_a.txt": ("loaded", ""),
        "near_dup_b.txt": ("duplicate", "duplicate of near_dup_a"),
        "page.html": ("loaded", ""),
        "short.txt": ("skipped", "too short (3 words, fewer than min_passage_words=8)"),
    }
    assert status["items.jsonl:2"][1].startswith("unreadable JSON line")


def test_malformed_encodings_decoded_without_mojibake(malformed):
    latin = article(malformed, "es/puerto_latin1")
    assert latin["title"] == "Decomisan cocaína en el puerto de Guayaquil"
    assert "Policía Nacional informó" in latin["text"] and "Perú" in latin["text"]
    assert latin["language"] == "es" and latin["collection"] == "es"
    bom = article(malformed, "bom_utf8")
    assert bom["title"] == "Coast guard intercepts semi-submersible off Colombia"
    assert not bom["text"].startswith("\ufeff") and "Bogotá" in bom["text"]
    repaired = article(malformed, "mojibake")
    assert repaired["title"] == "It’s a new route for Mexico’s cartels"
    texts = "".join(malformed.articles["text"])
    assert not re.search("â€|Ã.|\ufffd", texts)


def test_malformed_html_page_main_text_and_metadata(malformed):
    page = article(malformed, "page")
    assert page["title"] == "Ecuador prison massacre prompts state of emergency"
    assert page["text"].startswith(page["title"] + "\n\nPresident Daniel Noboa declared")
    assert page["source"] == "Example Tribune"
    assert page["author"] == "Lucía Romero"
    assert page["date"] == pd.Timestamp("2025-11-12")
    assert "example-tribune.com" in page["url"]
    for chrome in ("Subscribe", "Privacy", "©", "Sport"):
        assert chrome not in page["text"]


def test_malformed_tables_map_columns(malformed):
    q3 = article(malformed, "q3")  # recovered after the broken quote on the line before
    assert q3["title"] == "Navy patrols expand"
    assert q3["text"].startswith("Navy patrols expand. The navy added six patrol boats")
    assert q3["date"] == pd.Timestamp("2025-06-04") and q3["source"] == "Primicias"
    a1 = article(malformed, "a1")  # headline/body/published/outlet/link recognised
    assert a1["title"] == "Honduras extradites former police chief"
    assert a1["source"] == "example-news.hn"  # no outlet: the URL's domain
    assert a1["country"] == "Honduras"
    j1 = article(malformed, "j1")
    assert j1["source"] == "Example Daily" and j1["date"] == pd.Timestamp("2025-09-01")


def test_malformed_duplicates_get_no_passages(malformed):
    duplicate = article(malformed, "near_dup_b")
    assert duplicate["status"] == "duplicate" and duplicate["duplicate_of"] == "near_dup_a"
    assert "near_dup_b" not in set(malformed.passages["article_id"])
    assert "near_dup_a" in set(malformed.passages["article_id"])
    kept = load_corpus(MALFORMED, drop_duplicates=False, show_progress=False)
    assert article(kept, "near_dup_b")["status"] == "loaded"


def test_language_filter_reports_other_languages(malformed):
    spanish = load_corpus(MALFORMED, language="es", show_progress=False)
    assert spanish.articles["article_id"].tolist() == ["es/puerto_latin1"]
    reasons = dict(zip(spanish.manifest["article_id"], spanish.manifest["reason"]))
    assert reasons["page"] == "language en"


def test_headerless_csv_auto_and_explicit(tmp_path):
    rows = (
        '"1","Colombia extends coca eradication","Colombia will send more eradication teams to the south, '
        'the defence ministry said on Wednesday."\n'
        '"2","Mexico arrests cartel accountant","Mexican prosecutors arrested a man they say kept the books '
        'for a cartel in the state of Jalisco."\n'
        '"1","Peru seizes cocaine at Callao","Police at the port of Callao found cocaine hidden in a shipment '
        'of frozen fish bound for Spain."\n'
    )
    (tmp_path / "news.csv").write_text(rows, encoding="utf-8")
    for header in ("auto", False):
        corpus = load_corpus(tmp_path, header=header, show_progress=False)
        first = article(corpus, "news:1")
        assert first["title"] == "Colombia extends coca eradication"
        assert first["text"].startswith("Colombia extends coca eradication. Colombia will send")
        assert corpus.articles["collection"].tolist() == ["1", "2", "1"]
    chosen = load_corpus(tmp_path, header=False, text_column=2, title_column=None, show_progress=False)
    assert len(chosen.articles) == 3


def test_parquet_and_tsv_tables(tmp_path):
    frame = pd.DataFrame({
        "article_id": ["p1", "p2"],
        "headline": ["Guatemala arrests mayor", "Venezuela frees detainees"],
        "body": ["Guatemalan police arrested a town mayor accused of helping traffickers move cocaine north.",
                 "The government in Caracas released a group of detainees after talks, officials said on Friday."],
        "published_at": pd.to_datetime(["2025-02-01 10:00", "2025-02-03 18:30"]),
        "url": ["https://news.example.gt/a", "https://example.ve/b"],
    })
    frame.to_parquet(tmp_path / "wire.parquet", index=False)
    (tmp_path / "extra.tsv").write_text(
        "id\ttitle\ttext\toutlet\n"
        "t1\tCuba coast guard seizes drugs\tCuba said its coast guard seized packages of marijuana "
        "that washed ashore on the northern coast.\tExample Radio\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path, show_progress=False)
    assert corpus.articles["article_id"].tolist() == ["t1", "p1", "p2"]
    p1 = article(corpus, "p1")
    assert p1["date"] == pd.Timestamp("2025-02-01 10:00") and p1["source"] == "news.example.gt"
    assert p1["country"] == "Guatemala" and p1["title"] == "Guatemala arrests mayor"
    t1 = article(corpus, "t1")
    assert t1["source"] == "Example Radio" and t1["country"] == "Cuba"
    assert t1["input"].endswith("extra.tsv:1")


def test_progress_bar_for_many_inputs(tmp_path, capsys):
    for i in range(210):
        (tmp_path / f"{i:03d}.txt").write_text(
            f"Report number {i} says police in Quito seized {i} kilos of cocaine at the airport on Monday.",
            encoding="utf-8",
        )
    corpus = load_corpus(tmp_path, show_progress=True)
    assert len(corpus.articles) == 210
    assert "reading" in capsys.readouterr().err
    load_corpus(tmp_path, show_progress=False)
    assert "reading" not in capsys.readouterr().err


# --- errors ---------------------------------------------------------------------------------


def test_error_missing_path(tmp_path):
    with pytest.raises(CorpusError, match=r"corpus path '.*no-such-folder' does not exist"):
        load_corpus(tmp_path / "no-such-folder")


def test_error_folder_without_readable_files(tmp_path):
    with pytest.raises(CorpusError, match=r"holds no \.txt/\.md/\.html/\.htm/\.csv/\.tsv/\.jsonl/\.parquet files"):
        load_corpus(tmp_path)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "README.txt").write_text("About this folder", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"holds no .* files to read \(found 2 other files\)"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match=r"corpus file '.*photo\.jpg' is not an article file: unsupported file type"):
        load_corpus(tmp_path / "photo.jpg")


def test_error_csv_without_text_column(tmp_path):
    (tmp_path / "table.csv").write_text("name,when\nalpha,2024\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"1 of 1 inputs were skipped \(commonest reasons: no text column \(1\)\).*"
                                          r"first: .*table\.csv: no text column \(columns: name, when\); "
                                          r"pass text_column=\.\.\."):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match=r"first: .*table\.csv: text_column='body' is not a column \(columns: name"):
        load_corpus(tmp_path, text_column="body")


def test_error_empty_corpus_after_cleaning(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "c.txt").write_text("Home\nNews\nSubscribe\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"no articles left after cleaning: 3 of 3 inputs were skipped "
                                          r"\(commonest reasons: .*empty file \(1\)"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"header": "yes"}, r"header='yes' is not allowed; use True, False or 'auto'"),
        ({"min_passage_words": 0}, r"min_passage_words=0 must be a positive whole number"),
        ({"min_passage_words": 50, "max_passage_words": 60}, r"must be at least twice min_passage_words=50"),
        ({"language": "xx"}, r"language='xx' is not supported; use one of en, es, pt, fr, de, it"),
        ({"date_from": "last tuesday"}, r"date_from='last tuesday' is not a date; write it as 'YYYY-MM-DD'"),
        ({"date_from": "2026-01-02", "date_to": "2026-01-01"}, r"date_from 2026-01-02 is after date_to 2026-01-01"),
        ({"text_column": 1.5}, r"text_column=1.5 must be a column name or a column number"),
    ],
)
def test_error_bad_options(options, message):
    with pytest.raises(CorpusError, match=message):
        load_corpus(SEEDS, show_progress=False, **options)


def test_error_load_without_saved_corpus(tmp_path):
    with pytest.raises(CorpusError, match=r"no saved corpus in '.*' \(missing articles\.parquet"):
        Corpus.load(tmp_path)


def test_corpus_error_is_a_value_error():
    assert issubclass(CorpusError, ValueError)


@pytest.mark.parametrize("value, code", [
    ("es", "es"), ("ES", "es"), ("es-MX", "es"), ("en_US", "en"), ("Spanish", "es"), ("Español", "es"),
    ("spa", "es"), ("English", "en"), ("inglés", "en"), ("", ""), ("Klingon", ""), ("zh", ""),
])
def test_a_tables_language_cell_is_read_as_a_language(value, code):
    from analysis.corpus.metadata import language_code

    assert language_code(value) == code


def test_a_language_the_table_gives_is_used_and_a_bad_one_is_noted(tmp_path):
    # an English text the detector reads as English, given as Spanish: the table wins
    text = ("The navy seized two tonnes of cocaine off the coast on Tuesday, the ministry said in a statement "
            "that gave no further details about the operation.")
    other = ("Farmers in the valley say that the new road has brought buyers for their coffee and cocoa, and "
             "that fewer young people now leave for the cities.")
    third = ("The city council approved a budget for new schools and clinics in the poorest districts after a "
             "long debate that ran late into the night.")
    (tmp_path / "a.csv").write_text("id,idioma,text\n"
                                   f'given,Español,"{text}"\n'
                                   f'none,,"{other}"\n'
                                   f'odd,Klingon,"{third}"\n', encoding="utf-8")
    corpus = load_corpus(tmp_path, show_progress=False)
    assert corpus.articles.set_index("article_id")["language"].to_dict() == {"given": "es", "none": "en", "odd": "en"}
    assert corpus.columns[next(iter(corpus.columns))]["language"] == "idioma"
    reasons = corpus.manifest.set_index("article_id")["reason"]
    assert "language 'Klingon' is not one of en, es" in reasons["odd"]
    # the language filter reads the given language
    kept = load_corpus(tmp_path, language="es", show_progress=False).articles["article_id"].tolist()
    assert kept == ["given"]
    # a column named by the caller is read too
    (tmp_path / "a.csv").write_text("id,lengua_del_texto,text\n" f'given,es,"{text}"\n', encoding="utf-8")
    corpus = load_corpus(tmp_path, language_column="lengua_del_texto", show_progress=False)
    assert corpus.articles["language"].tolist() == ["es"]
