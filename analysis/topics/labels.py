"""Terms for topic labels: English and Spanish stop words, news boilerplate and proper nouns.

:class:`TermAnalyzer` turns a passage into the terms that c-TF-IDF weighs. It is a callable for
``sklearn.feature_extraction.text.CountVectorizer(analyzer=...)`` and does its own tokenisation:

* Words are runs of letters (hyphens and apostrophes inside a word are kept: "narco-terrorism").
  Digits and punctuation are never part of a term, so numbers, years and prices cannot become
  topic words. A possessive "'s" is stripped ("Ecuador's" -> "Ecuador"); other contractions
  ("don't") are dropped. Dotted acronyms ("U.S.") are kept as written. A number and the letters
  glued to it ("$1.13bn", "3G", "2004") are one non-word token. Words with an inner capital
  ("iPod", "eBay") are names.
* Proper nouns keep their case and multi-word names stay one term. Whether a capitalised word is a
  name is learned from the corpus in :meth:`TermAnalyzer.fit` (truecasing): it is a name when,
  away from the start of a sentence, it is written capitalised more often than not, or when it is
  an all-capitals acronym ("DEA", "SOUTHCOM"). Adjacent names form one term ("United States",
  "Los Lobos", "Southern Command"), joined through the connectors "of", "de", "del", "la", "los",
  ... ("Cartel de Sinaloa", "Bank of England"), and a capitalised word inside a sentence extends
  a name ("U.S. Southern Command"). A capitalised word inside a sentence that precedes a name
  starts it ("la banda Los Lobos" -> "Los Lobos", "the New York Times"), also at the start of a
  sentence once the pair has been seen so inside a sentence ("Los Lobos attacked"). In title-case
  sentences (headings: at least 60% of the words of four or more letters capitalised) case says
  nothing, so only words known as names from the rest of the corpus count; in all-capitals
  headings every word is read in lower case unless it is a known name (no acronyms). Names
  longer than :data:`MAX_NAME_TOKENS` words are split into their words. Stop words and
  honorifics (Mr, Mrs, Dr, ...) are never names on their own ("Mr Blair" -> "Blair").
* Every other word is lower-cased and dropped when it is an English stop word (scikit-learn's
  list without a few content words such as "interest" and "bill"), a Spanish stop word (our own
  list, :data:`SPANISH_STOP_WORDS`), or news boilerplate (:data:`BOILERPLATE_WORDS`: "said",
  "says", "mr", "also", months, weekdays, web chrome such as "read", "click", "subscribe").

Label words are then ranked by :func:`coverage_reranker`: among BERTopic's 30 best c-TF-IDF words
of a topic, by ``c-TF-IDF x coverage ** exponent`` where coverage is the share of the topic's
passages containing the word (in the spirit of LDAvis' relevance, which mixes distinctiveness and
frequency within the topic); exponent 0 keeps pure c-TF-IDF order.

The terms are surface forms, so any scorer that matches words case-insensitively against the
original text (as :func:`analysis._topic_quality.topic_coherence_npmi` does) finds them.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

__all__ = [
    "BOILERPLATE_WORDS",
    "ENGLISH_STOPS",
    "SPANISH_STOP_WORDS",
    "STOP_WORDS",
    "TermAnalyzer",
    "bertopic_docs",
    "coverage_reranker",
    "fit_vocabulary",
    "term_vectorizer",
    "topic_label",
]

#: Longest name kept as one term; longer capitalised runs (mostly title-case headings) are split.
MAX_NAME_TOKENS = 5

#: Content words that scikit-learn's English list drops but that are topical in news.
_KEEP_ENGLISH = {"bill", "fire", "interest", "system", "mill", "cry", "thick", "thin", "bottom", "front"}
ENGLISH_STOPS = frozenset(ENGLISH_STOP_WORDS - _KEEP_ENGLISH)

#: Spanish function words (articles, pronouns, prepositions, conjunctions, common auxiliaries).
SPANISH_STOP_WORDS = frozenset(
    """
    a al algo algun alguna algunas alguno algunos ambos ante antes aquel aquella aquellas aquello
    aquellos aqui aquí asi así aun aún bajo bien cada casi como cómo con contra cual cuál cuales
    cuando cuándo cuanto cuánto de del desde donde dónde dos durante e el él ella ellas ello ellos
    en entre era eran eres es esa esas ese eso esos esta está estaba estaban estado estamos están
    estar estas éstas este éste esto estos éstos estoy fue fueron fui ha habia había habían haber
    han has hasta hay he hemos hizo la las le les lo los mas más me mi mí mis mismo misma mismos
    mismas mucho muchos muy nada ni no nos nosotros nuestra nuestras nuestro nuestros o os otra
    otras otro otros para pero poco por porque pues que qué quien quién quienes se sea sean ser
    será serán si sí sido siempre sin sino sobre solo sólo son su sus también tampoco tan tanto
    te tiene tienen toda todas todo todos tras tu tú tus u un una unas uno unos usted ustedes va
    van y ya yo según dijo dice afirmó aseguró señaló explicó indicó agregó añadió además
    """.split()
)

_MONTHS = """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
    monday tuesday wednesday thursday friday saturday sunday
    lunes martes miércoles miercoles jueves viernes sábado sabado domingo
""".split()
_NEWS = """
    said says say saying told tells tell mr mrs ms dr sir miss mx prof
    also just like get got year years week weeks day days today yesterday tomorrow
    per cent percent pm am ago
    read click subscribe subscribed subscription newsletter advertisement advertising sponsored
    share shares tweet email cookie cookies copyright rights reserved login sign
    home news post posted appeared first update updated view result results photo photos
    image images video videos caption credit getty reuters ap afp
""".split()
#: News boilerplate: reporting verbs, honorifics, dates, numbers as words and web chrome.
BOILERPLATE_WORDS = frozenset(_MONTHS + _NEWS)

#: Everything dropped from topic labels (compared in lower case).
STOP_WORDS = ENGLISH_STOPS | SPANISH_STOP_WORDS | BOILERPLATE_WORDS

_HONORIFICS = frozenset("mr mrs ms dr sir miss mx prof".split())
_CONNECTORS = frozenset("of de del la las los el da do dos des du van von al".split())
#: All-capital short words that are names although their lower case is a stop word.
_ACRONYM_ALLOWED = frozenset({"US", "UN"})

_TOKEN = re.compile(
    r"(?P<acr>(?:[A-Z]\.){2,}(?![^\W\d_]))"  # U.S., U.K.
    r"|(?P<num>\d+(?:[.,]\d+)*[^\W_]*)"  # numbers with unit suffixes: 2004, $1.13bn, 3G
    r"|(?P<word>[^\W\d_]+(?:['’\-][^\W\d_]+)*)"  # words, with inner hyphens/apostrophes
    r"|(?P<end>[.!?;:]+|[\n\u2029])"  # sentence or passage end
    r"|(?P<other>\S)",  # digits and other punctuation: break names
)
_POSSESSIVE = re.compile(r"['’][sS]$")
#: Line and passage separators: names never run across them, so each segment is analysed alone.
_SEGMENT = re.compile(r"[\n\u2029]")
#: Most segments whose terms an analyzer remembers (c-TF-IDF reads every passage several times).
MEMO_SIZE = 200_000


def _has_inner_capital(word: str) -> bool:
    """iPod, eBay, McLaren: a capital after the first letter of a word part."""
    return any(any(c.isupper() for c in part[1:]) and not part.isupper() for part in word.split("-"))


def _is_acronym(word: str) -> bool:
    letters = word.replace("-", "")
    return len(letters) >= 2 and letters.isupper() and letters.isalpha()


class TermAnalyzer:
    """Callable analyzer producing label terms; see the module docstring for the rules.

    Parameters
    ----------
    stop_words : iterable of str, optional
        Lower-case words never used as terms; defaults to :data:`STOP_WORDS`.
    """

    def __init__(self, *, stop_words: Iterable[str] | None = None) -> None:
        self.stop_words = frozenset(w.lower() for w in (STOP_WORDS if stop_words is None else stop_words))
        self.names_: frozenset[str] = frozenset()
        self.name_starts_: frozenset[tuple[str, str]] = frozenset()
        self.clear_memo()

    def clear_memo(self) -> None:
        """Forget the remembered terms of segments and names of words (after fitting, to free memory)."""
        self._memo: dict[str, tuple[str, ...]] = {}
        self._name_memo: dict[str, bool] = {}

    # -- tokenisation ------------------------------------------------------------------------
    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str, bool]]:
        """``(kind, token, sentence_initial)`` for ``kind`` in word, acr, end, other."""
        out: list[tuple[str, str, bool]] = []
        initial = True
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            token = match.group()
            if kind == "word":
                token = _POSSESSIVE.sub("", token)
                out.append((kind, token, initial))
                initial = False
            elif kind == "end":
                prev = out[-1][1].lower() if out else ""
                if not (token == "." and prev in _HONORIFICS):
                    initial = True
                out.append((kind, token, False))
            else:
                out.append((kind, token, initial))
                if kind == "acr":
                    initial = False
        return out

    def fit(self, texts: Iterable[str]) -> TermAnalyzer:
        """Learn which capitalised words are names from their case away from sentence starts."""
        upper: Counter[str] = Counter()
        lower: Counter[str] = Counter()
        starts: set[tuple[str, str]] = set()
        for text in texts:
            tokens = self._tokens(text)
            for i, (kind, token, initial) in enumerate(tokens):
                if kind != "word" or initial:
                    continue
                key = token.lower()
                if token[0].isupper():
                    upper[key] += 1
                    nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "", False)
                    starter = key in self.stop_words and key not in BOILERPLATE_WORDS
                    if starter and nxt[0] == "word" and nxt[1][0].isupper():
                        starts.add((key, nxt[1].lower()))
                else:
                    lower[key] += 1
        self.names_ = frozenset(k for k, n in upper.items() if n > lower.get(k, 0) and k not in self.stop_words)
        self.name_starts_ = frozenset(pair for pair in starts if pair[1] in self.names_)
        self.clear_memo()
        return self

    def _is_name(self, token: str) -> bool:
        """Whether a word is (part of) a name; remembered per word, as the same words recur."""
        found = self._name_memo.get(token)
        if found is None:
            found = self._name_memo[token] = self._decide_name(token)
        return found

    def _decide_name(self, token: str) -> bool:
        if _is_acronym(token):
            low = token.lower()
            return token in _ACRONYM_ALLOWED or (low not in self.stop_words)
        if _has_inner_capital(token):
            return True
        return token[0].isupper() and token.lower() in self.names_

    def _keep_single(self, token: str) -> str | None:
        if "'" in token or "’" in token:
            return None
        low = token.lower()
        if len(low.replace("-", "")) < 2 or low in self.stop_words:
            return None
        return low

    # -- analysis ----------------------------------------------------------------------------
    @staticmethod
    def _sentence_case(tokens: list[tuple[str, str, bool]]) -> list[str]:
        """Per token: "title" or "upper" in headings (where case says nothing), else ""."""
        flags = [""] * len(tokens)
        start = 0
        for stop in [i for i, t in enumerate(tokens) if t[0] == "end"] + [len(tokens)]:
            words = [t for kind, t, _ in tokens[start:stop] if kind == "word" and len(t) >= 4]
            if len(words) >= 3 and sum(w.isupper() for w in words) >= 0.6 * len(words):
                flags[start:stop] = ["upper"] * (stop - start)
            elif len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words):
                flags[start:stop] = ["title"] * (stop - start)
            start = stop + 1
        return flags

    def _emit_run(self, run: list[tuple[str, bool]], terms: list[str]) -> None:
        """Emit a run of ``(token, is_name)`` as one name, or as single words."""
        while run and (run[-1][0] in _CONNECTORS or run[-1][0].lower() in self.stop_words) and not run[-1][1]:
            run.pop()  # a name never ends in a connector or a capitalised stop word
        if not any(is_name for _, is_name in run):
            for token, _ in run:
                if (kept := self._keep_single(token)) is not None:
                    terms.append(kept)
        elif len(run) == 1 or len(run) > MAX_NAME_TOKENS:
            for token, is_name in run:
                long_enough = len(token.replace(".", "").replace("-", "")) >= 2
                if is_name and long_enough and (token.lower() not in self.stop_words or token in _ACRONYM_ALLOWED):
                    terms.append(token)
                elif (kept := self._keep_single(token)) is not None:
                    terms.append(kept)
        else:
            terms.append(" ".join(token for token, _ in run))
        run.clear()

    def __call__(self, text: str) -> list[str]:
        """Terms of one text, in order, with repeats (a ``CountVectorizer`` analyzer).

        Line and passage separators end every name and sentence, so the text is analysed segment
        by segment, and each segment's terms are remembered: c-TF-IDF reads each passage several
        times, alone and inside its topic's joined document.
        """
        terms: list[str] = []
        for segment in _SEGMENT.split(text):
            segment = segment.strip()  # joined topic documents put a space before each passage
            found = self._memo.get(segment)
            if found is None:
                found = tuple(self._segment_terms(segment))
                if len(self._memo) < MEMO_SIZE:
                    self._memo[segment] = found
            terms.extend(found)
        return terms

    def _segment_terms(self, text: str) -> list[str]:
        tokens = self._tokens(text)
        terms: list[str] = []
        run: list[tuple[str, bool]] = []
        case = self._sentence_case(tokens)
        for i, (kind, token, initial) in enumerate(tokens):
            if kind == "word" and case[i] == "upper":
                low = token.lower()  # an all-capitals heading: no acronyms, only known names
                token = low.capitalize() if low in self.names_ else low
            if kind == "acr":
                run.append((token, True))
                continue
            if kind != "word":
                self._emit_run(run, terms)
                continue
            low = token.lower()
            if self._is_name(token):
                run.append((token, True))
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "", False)
            next_is_name = nxt[0] == "acr" or (nxt[0] == "word" and self._is_name(nxt[1]))
            capitalised_inside = token[0].isupper() and not initial and not case[i] and low not in BOILERPLATE_WORDS
            if run and token in _CONNECTORS and next_is_name:
                run.append((token, False))  # "Cartel de Sinaloa"
            elif capitalised_inside and low not in self.stop_words and run:
                run.append((token, False))  # "Southern Command"
            elif next_is_name and (capitalised_inside or (low, nxt[1].lower()) in self.name_starts_):
                self._emit_run(run, terms)
                run.append((token, False))  # "la banda Los Lobos", "the New York Times"
            else:
                self._emit_run(run, terms)
                if capitalised_inside:
                    run.append((token, False))  # may start a name if one follows
                elif (kept := self._keep_single(token)) is not None:
                    terms.append(kept)
        self._emit_run(run, terms)
        return terms

    def __repr__(self) -> str:
        return f"TermAnalyzer(n_names={len(self.names_)})"


@lru_cache(maxsize=1)
def _coverage_class():
    from .base import _import_bertopic

    with warnings.catch_warnings():  # importing BERTopic adds a global "ignore UserWarning" filter
        _import_bertopic()
        from bertopic.representation import BaseRepresentation

    class CoverageRerank(BaseRepresentation):
        """Rerank c-TF-IDF candidates by ``c-TF-IDF x coverage ** exponent``.

        ``coverage`` is the share of the topic's passages that contain the word, so a label word
        is both distinctive (c-TF-IDF) and common within the topic. BERTopic hands over its 30
        best c-TF-IDF words per topic; exponent 0 keeps BERTopic's order.
        """

        def __init__(self, exponent: float = 0.25, top_n_words: int = 10) -> None:
            self.exponent = exponent
            self.top_n_words = top_n_words

        def extract_topics(self, topic_model, documents, c_tf_idf, topics):
            vectorizer = topic_model.vectorizer_model
            index = {w: j for j, w in enumerate(vectorizer.get_feature_names_out())}
            present = (vectorizer.transform(documents["Document"].tolist()) > 0).tocsr()
            labels = documents["Topic"].to_numpy()
            out = {}
            for topic, candidates in topics.items():
                rows = present[labels == topic]
                share = np.asarray(rows.mean(axis=0)).ravel() if rows.shape[0] else np.zeros(present.shape[1])
                scored = [
                    (word, float(score) * float(share[index[word]]) ** self.exponent)
                    for word, score in candidates
                    if word in index
                ]
                scored.sort(key=lambda pair: -pair[1])
                out[topic] = scored[: self.top_n_words] or candidates[: self.top_n_words]
            return out

    return CoverageRerank


def coverage_reranker(exponent: float, top_n_words: int):
    """A BERTopic representation model ranking words by c-TF-IDF x within-topic coverage."""
    return _coverage_class()(exponent=exponent, top_n_words=top_n_words)


def topic_label(words: list[str], size: int = 3) -> str:
    """The first ``size`` words, skipping a word whose singular is already there (game, games)."""
    chosen: list[str] = []
    seen: set[str] = set()
    for word in words:
        key = word.lower().removesuffix("s")
        if key not in seen:
            chosen.append(word)
            seen.add(key)
        if len(chosen) == size:
            break
    return " · ".join(chosen)


def bertopic_docs(texts: list[str]) -> list[str]:
    """Passages as BERTopic is given them: newlines and passage ends become paragraph separators."""
    # BERTopic joins a topic's passages with spaces and turns newlines into spaces; paragraph
    # separators (which it keeps) stop names from running across passages or lines.
    return [t.replace("\n", "\u2029") + "\u2029" for t in texts]


def term_vectorizer(analyzer: TermAnalyzer, vocabulary: list[str]) -> CountVectorizer:
    """A CountVectorizer over a fixed vocabulary of :class:`TermAnalyzer` terms."""
    return CountVectorizer(analyzer=analyzer, vocabulary=vocabulary, lowercase=False)


def fit_vocabulary(analyzer: TermAnalyzer, texts: list[str], min_df: int) -> list[str]:
    """Terms in at least ``min_df`` passages (in at least one when none is that frequent)."""
    for df in dict.fromkeys((min_df, 1)):
        try:
            counts = CountVectorizer(analyzer=analyzer, min_df=df, lowercase=False).fit(texts)
        except ValueError:  # no term survives min_df
            continue
        return counts.get_feature_names_out().tolist()
    raise ValueError("the texts hold no words usable as topic labels (only stop words, numbers or punctuation)")
