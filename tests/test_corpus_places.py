"""The country of an article from the gazetteer (analysis.corpus.places)."""

from __future__ import annotations

import time

import pytest

from analysis.corpus.places import COVERED_COUNTRIES, country_scores, home_country, main_country


@pytest.mark.parametrize("text, country", [
    ("La Marina aseguró dos toneladas de cocaína procedentes de Ecuador en el puerto de Manzanillo.", "Mexico"),
    ("Sinaloa: detienen a tres presuntos sicarios tras un enfrentamiento.", "Mexico"),
    ("Hombres armados atacaron una patrulla en Culiacán; murieron tres agentes.", "Mexico"),
    ("El Ejército capturó en Buenaventura a un cabecilla del Clan del Golfo.", "Colombia"),
    ("Masacre en Guayaquil deja seis muertos en una disputa entre bandas.", "Ecuador"),
    ("Police in Rosario, Santa Fe, seized 300 kilos of cocaine bound for Europe.", "Argentina"),
    ("Coca growers in the Chapare region of Cochabamba marched against eradication.", "Bolivia"),
    ("Un operativo en Michoacán dejó doce detenidos.", "Mexico"),  # Michoacán de Ocampo, shortened
    ("The DEA said US agents would expand operations against fentanyl labs.", "United States"),
    ("Mexico's cartels and US demand: officials from the United States met in Washington.", "Mexico"),
    ("The football team won the national cup on Sunday.", ""),
    ("El chile poblano es delicioso.", ""),  # a pepper, not Chile
])
def test_country_of_short_articles(text, country):
    assert main_country(text) == country


def test_the_united_states_wins_only_by_a_wide_margin():
    text = ("US officials in Washington said the United States would send agents to Ecuador, where cartels ship "
            "cocaine to the United States.")
    scores = country_scores(text)
    assert scores["US"] > scores["EC"]  # more US mentions ...
    assert main_country(text) == "Ecuador"  # ... but not twice the region's best
    assert main_country("The U.S. Coast Guard seized cocaine in international waters.") == "United States"


def test_ties_go_to_the_country_mentioned_first():
    assert main_country("Perú y Bolivia firmaron un acuerdo.") == "Peru"
    assert main_country("Bolivia y Perú firmaron un acuerdo.") == "Bolivia"


def test_the_dateline_and_the_lead_outweigh_mentions_further_down():
    body = " Otro párrafo sobre la política del gobierno." * 20 + " Colombia y Colombia y Colombia enviaron droga."
    assert main_country("Hombres armados atacaron una patrulla." + body, place="Culiacán") == "Mexico"
    assert main_country("Hombres armados atacaron una patrulla." + body) == "Colombia"
    assert main_country("Hombres armados atacaron una patrulla." + body, title="Ataque en Tijuana") == "Mexico"


def test_names_inside_person_names_streets_and_other_words_do_not_count():
    assert main_country("El general Salvador Cienfuegos fue detenido en Los Angeles.") == ""
    assert main_country("Juan Guerrero dijo que la situación es grave.") == ""
    assert country_scores("En Guerrero hubo tres detenidos.") == {"MX": pytest.approx(6.0)}
    assert main_country("Lo capturaron en el barrio Boquerón, en Ibagué.") == "Colombia"  # Boquerón: a Paraguayan department
    assert main_country("Cayó alias Raúl, cabecilla del grupo armado.") == ""  # "Cayó" is a verb, Cayo a district of Belize


def test_a_place_several_countries_share_goes_to_the_one_the_article_points_at():
    assert main_country("Decomiso en Manzanillo, Colima.") == "Mexico"
    assert main_country("Decomiso en Manzanillo, provincia de Granma, Cuba.") == "Cuba"


def test_big_cities_elsewhere_keep_their_names_from_small_towns_of_the_region():
    assert main_country("The match in Madrid ended level; Barcelona play on Sunday.") == "Spain"  # not Colombia, Venezuela
    assert main_country("The company moved its offices to Phoenix, Arizona.") == "United States"  # Arizona, Honduras
    assert main_country("Las autoridades de Valencia, en el estado Carabobo, reportaron el decomiso.") == "Venezuela"


def test_countries_outside_the_region_count_when_named():
    assert main_country("La policía de los Países Bajos incautó cocaína en el puerto de Rotterdam.") == "Netherlands"
    assert set(COVERED_COUNTRIES.values()) >= {"Mexico", "Colombia", "Ecuador", "Peru", "Brazil"}


def test_the_gazetteer_is_built_once_and_matching_is_fast():
    main_country("Culiacán")  # builds the index
    texts = [f"En Culiacán, Sinaloa, la policía detuvo a {i} personas tras un operativo en la sierra." * 5
             for i in range(1000)]
    start = time.perf_counter()
    assert {main_country(text) for text in texts} == {"Mexico"}
    assert time.perf_counter() - start < 10


def test_country_ties_are_settled_the_same_way_in_every_process():
    import os
    import subprocess
    import sys

    # two ambiguous places mentioned at once, Brazil and Honduras tied: a set's order used to decide
    text = ("The trial will cost Santa Barbara county up to $4m, officials said on Monday. "
            "It adds costs to the city of Santa Maria, the court said.")
    code = f"from analysis.corpus.places import country_scores, main_country; t = {text!r}; " \
           "print(main_country(t), list(country_scores(t)))"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(6)}
    assert len(seen) == 1, seen


@pytest.mark.parametrize("host, code", [
    ("elpais.com.co", "CO"), ("https://www.lanacion.com.co/nota/1", "CO"), ("www.jornada.com.mx", "MX"),
    ("eluniverso.com.ec", "EC"), ("larepublica.pe", "PE"), ("scielo.org.mx", "MX"),
    ("news.co", ""), ("eluniverso.com", ""), ("bbc.co.uk", ""), ("", ""), ("localhost", ""),
])
def test_an_outlets_country_comes_from_its_address(host, code):
    assert home_country(host) == code


def test_an_outlet_at_home_reads_its_own_towns_as_home():
    # Prado (Tolima) is too small for the gazetteer, but a Brazilian Prado is in it
    text = "Amenazaron al alcalde de Prado. El panfleto apareció en el parque. El alcalde pidió protección."
    assert main_country(text) == "Brazil"
    assert main_country(text, home="CO") == "Colombia"  # names no place it counts: the outlet's country
    # Rivera is a town of Huila and a department of Uruguay
    text = "Hombre fue encontrado muerto en Rivera; la Policía investiga."
    assert main_country(text) == "Uruguay"
    assert main_country(text, home="CO") == "Colombia"


def test_a_place_abroad_still_counts_when_its_country_is_named():
    text = "Capturado en Culiacán, en México, un narcotraficante buscado por la justicia colombiana."
    assert main_country(text, home="CO") == "Mexico"
    assert main_country("Operativo en Culiacán, Sinaloa: tres detenidos.", home="CO") == "Mexico"  # its state
    assert main_country("Tres detenidos en Culiacán tras un operativo.", home="CO") == "Colombia"  # neither
    assert main_country("The football team won the national cup on Sunday.") == ""  # no outlet country: unknown


def test_ingest_reads_the_outlets_country_from_the_url(tmp_path):
    from analysis.corpus import load_corpus

    text = ("Amenazaron al alcalde de Prado. El panfleto apareció en el parque principal del municipio y el "
            "alcalde pidió protección a las autoridades del departamento.")
    (tmp_path / "a.csv").write_text("id,url,text\n"
                                   f'co,https://www.elnuevodia.com.co/nota,"{text}"\n'
                                   f'xx,https://example.org/nota,"{text} Otra vez."\n', encoding="utf-8")
    countries = load_corpus(tmp_path, show_progress=False).articles.set_index("article_id")["country"]
    assert countries.to_dict() == {"co": "Colombia", "xx": "Brazil"}


@pytest.mark.parametrize("value, code", [
    ("MX", "MX"), ("mx", "MX"), ("MEX", "MX"), ("México", "MX"), ("mexico", "MX"), ("Perú", "PE"),
    ("Estados Unidos", "US"), ("USA", "US"), ("United States", "US"), ("colombiano", "CO"), ("Spain", "ES"),
    ("", ""), ("  ", ""), ("Narnia", ""), ("XX", ""), ("Sinaloa", ""),  # a state is not a country
])
def test_a_tables_country_cell_is_read_as_a_country(value, code):
    from analysis.corpus.places import country_code

    assert country_code(value) == code


def test_a_tables_country_column_is_kept_and_read_as_the_outlets_country(tmp_path):
    from analysis.corpus import load_corpus

    text = ("Amenazaron al alcalde de Prado. El panfleto apareció en el parque principal del municipio y el "
            "alcalde pidió protección a las autoridades del departamento.")
    # two more articles that name Prado only, worded apart so that they are not near-duplicates
    other = ("En Prado la comunidad denunció amenazas contra líderes sociales durante la semana, y pidió a la "
             "Gobernación más presencia de la fuerza pública en las veredas.")
    third = ("Un concejal de Prado recibió un mensaje intimidatorio en su celular; la Personería abrió una "
             "investigación y recomendó medidas de protección para su familia.")
    culiacan = ("Capturado en Culiacán, en México, un narcotraficante buscado por la justicia colombiana; la "
                "Fiscalía pidió su extradición tras una investigación de dos años.")
    (tmp_path / "a.csv").write_text("id,país,text\n"
                                   f'given,Colombia,"{text}"\n'
                                   f'none,,"{other}"\n'
                                   f'abroad,CO,"{culiacan}"\n'
                                   f'odd,Narnia,"{third}"\n', encoding="utf-8")
    corpus = load_corpus(tmp_path, show_progress=False)
    articles = corpus.articles.set_index("article_id")
    # without the column the Brazilian Prado wins; with it Prado is read as a Colombian town
    assert articles["country"].to_dict() == {"given": "Colombia", "none": "Brazil", "abroad": "Mexico", "odd": "Brazil"}
    # the table's country is kept as given, whatever the text is about
    assert articles["country_given"].to_dict() == {"given": "Colombia", "none": "", "abroad": "Colombia", "odd": ""}
    reasons = corpus.manifest.set_index("article_id")["reason"]
    assert "country 'Narnia' is not a country name" in reasons["odd"] and reasons["given"] == ""
    assert "by country as given: (none) 2, Colombia 2" in corpus.summary()


def test_the_country_checks_record_a_coder_and_no_text():
    from pathlib import Path

    import pandas as pd

    from analysis.corpus.places import country_code, country_name

    data = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
    for name, extra in (("country_check.csv", "set"), ("country_column_check.csv", "sample")):
        check = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        assert list(check.columns) == ["corpus", "article_id", "country", extra, "coder"], name
        assert check["coder"].str.startswith("session-").all() and check["article_id"].is_unique, name
        known = {value for value in check["country"] if value}  # names as the detector writes them
        assert all(country_name(country_code(value)) == value for value in known), name
