"""``analysis framing train | validate | predict | export | import``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .frames import FRAMES

DEFAULT_ANNOTATIONS = "seeds/annotations.csv"
ANNOTATION_COLUMNS = ["passage_id", "article_id", "label", "coder", "note", "text"]
PREDICT_COLUMNS = ["id", "label", "p_militarization", "p_root_cause", "p_neither", "stance"]


#: Spellings coders write for the frames, once lower-cased with spaces and hyphens as "_".
_LABEL_SPELLINGS = {"militarisation": "militarization", "root_causes": "root_cause", "rootcause": "root_cause",
                    "none": "neither"}


def normalise_labels(labels: pd.Series) -> pd.Series:
    """Frame names from coders' spellings: "Militarization ", "root cause", "Root-Cause", "NEITHER".

    Case, surrounding spaces and the separator between words do not matter; "militarisation" and
    "root causes" are read too. Blank labels stay blank; other values are returned as written.
    """
    text = labels.fillna("").astype(str)
    key = text.str.strip().str.lower().str.replace(r"[\s_-]+", "_", regex=True)
    key = key.replace(_LABEL_SPELLINGS)
    return key.where(key.isin(FRAMES) | (key == ""), text)


def refuse_conflicts(coded: pd.DataFrame, where: str) -> None:
    """Raise ValueError naming the passages coded twice with different labels."""
    labels = coded.groupby("passage_id")["label"].nunique()
    clashing = labels[labels > 1].index.tolist()
    if clashing:
        shown = "; ".join(f"{pid} ({' vs '.join(sorted(set(coded.loc[coded['passage_id'] == pid, 'label'])))})"
                          for pid in clashing[:10])
        raise ValueError(f"{where} code {len(clashing)} passage(s) twice with different labels: {shown}; keep one "
                         "row per passage (put a second coder's label in a second_label column)")


def read_annotations(path: str | Path) -> pd.DataFrame:
    """Read hand-coded passages (columns passage_id, article_id, label, coder, note, text).

    An optional ``second_label`` column holds a second coder's labels for reliability. Label
    spellings are normalised (:func:`normalise_labels`); a passage coded twice with different
    labels is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"annotations file '{path}' does not exist")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in ("passage_id", "article_id", "label", "text") if c not in table.columns]
    if missing:
        raise ValueError(f"annotations file '{path}' lacks columns {missing}; it has {list(table.columns)}")
    table["label"] = normalise_labels(table["label"])
    if "second_label" in table.columns:
        table["second_label"] = normalise_labels(table["second_label"])
    refuse_conflicts(table, f"annotations file '{path}'")
    bad = table[~table["label"].isin(FRAMES)]
    if len(bad):
        raise ValueError(f"annotations file '{path}' has labels {sorted(set(bad['label']))} in rows "
                         f"{[int(i) + 2 for i in bad.index[:10]]}; labels must be one of {list(FRAMES)}")
    return table


def _embed(texts, model: str, quiet: bool = False) -> np.ndarray:
    from .instrument import embed_cached

    return embed_cached(texts, model, show_progress=not quiet)[0]


def validate(args: argparse.Namespace) -> int:
    """Outlet-grouped validation of the framing methods on the gold standard (see :mod:`.protocol`)."""
    from .instrument import validate_instrument

    try:
        result = validate_instrument(methods=args.methods.split(","), embedding_model=args.embedding_model,
                                     corpora_dir=args.corpora, seeds=args.annotations, group_by=args.group_by,
                                     n_splits=args.folds, n_boot=args.n_boot, random_state=args.seed,
                                     show_progress=not args.quiet)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"analysis framing validate: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    metrics, human, record = result["metrics"], result["human"], result["record"]
    print(f"{record['n_tested']} gold passages tested ({record['outlets']['en']} English and "
          f"{record['outlets']['es']} Spanish outlets); training sources {record['sources']}")
    print(f"protocol: {record['protocol']}; encoder {record['encoder']}; 95% bootstrap CIs ({args.n_boot} resamples)\n")
    head = metrics[metrics["frame"] == "all"]
    for language in ("en", "es"):
        for stratum in ("random", "targeted", "all"):
            part = head[(head["language"] == language) & (head["stratum"] == stratum)]
            if part.empty:
                continue
            n = int(part["n"].iloc[0])
            print(f"{language} {stratum} (n={n}){'   <- headline' if stratum == 'random' else ''}")
            for method, rows in part.groupby("method", sort=False):
                r = rows.set_index("metric")
                print(f"  {method:<11} macro-F1 {r.loc['macro_f1', 'value']:.3f} "
                      f"[{r.loc['macro_f1', 'ci_low']:.3f}, {r.loc['macro_f1', 'ci_high']:.3f}]  "
                      f"kappa {r.loc['kappa', 'value']:.3f}  ECE {r.loc['ece', 'value']:.3f}")
    print("\nper-class F1 on the random stratum:")
    per_class = metrics[(metrics["metric"] == "f1") & (metrics["stratum"] == "random")]
    for (language, method), rows in per_class.groupby(["language", "method"], sort=False):
        r = rows.set_index("frame")
        print(f"  {language} {method:<11} " + "  ".join(
            f"{f} {r.loc[f, 'value']:.2f} [{r.loc[f, 'ci_low']:.2f}, {r.loc[f, 'ci_high']:.2f}]" for f in FRAMES))
    print("\ncoder-vs-coder ceiling (first vs independent second coder, double-coded passages):")
    for language, rows in human.groupby("language"):
        r = rows.set_index("metric")
        print(f"  {language} (n={int(r['n'].iloc[0])}): Krippendorff's alpha {r.loc['krippendorff_alpha', 'value']:.3f} "
              f"[{r.loc['krippendorff_alpha', 'ci_low']:.3f}, {r.loc['krippendorff_alpha', 'ci_high']:.3f}]  "
              f"Cohen's kappa {r.loc['cohen_kappa', 'value']:.3f} [{r.loc['cohen_kappa', 'ci_low']:.3f}, "
              f"{r.loc['cohen_kappa', 'ci_high']:.3f}]  macro-F1 {r.loc['macro_f1', 'value']:.3f}")
    off = result["offtopic"]
    if len(off):
        print("\nheld-out off-topic news labelled militarization or root cause:")
        for method, rows in off.groupby("method", sort=False):
            print(f"  {method:<11} " + "  ".join(f"{r.corpus}/{r.collection} {r.framed_share:.1%}" for r in rows.itertuples()))
    relevance = result["relevance"]
    if len(relevance):
        print("\nrelevance score (share judged about drugs, organised crime or security policy; gold passages out of fold):")
        for set_name, rows in relevance.groupby("set", sort=False):
            print(f"  {set_name:<8} " + "  ".join(f"{r.group} {r.judged_relevant:.1%} (n={r.n})" for r in rows.itertuples()))
    relevance.to_csv(out / "framing_relevance.csv", index=False)
    metrics.to_csv(out / "framing_validation.csv", index=False)
    human.to_csv(out / "framing_human_agreement.csv", index=False)
    result["predictions"].to_csv(out / "framing_oof_predictions.csv", index=False)
    off.to_csv(out / "framing_offtopic.csv", index=False)
    from .protocol import reliability_table

    reliability = reliability_table(result["predictions"])
    reliability.to_csv(out / "framing_reliability.csv", index=False)
    (out / "framing_validation.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    try:
        from ..figures import plot_framing_validation, save_figure

        from ..figures import plot_reliability

        save_figure(plot_framing_validation(metrics, human), "framing_validation", out)
        if args.default_method in set(reliability["method"]):
            save_figure(plot_reliability(reliability, method=args.default_method), "framing_reliability", out)
    except ImportError:  # pragma: no cover - figures are optional here
        pass
    print(f"\ntables and figures (macro-F1 with CIs, reliability curve) written to {out}")
    if args.save_model:
        from .instrument import train_instrument

        folder = train_instrument(args.save_model, method=args.default_method, embedding_model=args.embedding_model,
                                  corpora_dir=args.corpora, seeds=args.annotations, validation=result,
                                  random_state=args.seed, show_progress=not args.quiet)
        print(f"'{args.default_method}' trained on every labelled passage and saved to {folder}")
    return 0


def train(args: argparse.Namespace) -> int:
    """Train the framing model: on the gold standard and the annotations (validated first, for the model
    card), or, without the gold standard's corpora or with ``--no-gold``, on the annotations alone."""
    from .gold import default_corpora_dir

    annotations = args.annotations or [DEFAULT_ANNOTATIONS]
    corpora = Path(args.corpora) if args.corpora else default_corpora_dir()
    if args.no_gold or not corpora.is_dir():
        from .retrain import train_on_annotations

        if not args.no_gold:
            print(f"the gold standard's corpora are not at {corpora}: training on the annotations and the codebook's "
                  "examples only (pass --corpora to use the gold standard, --no-gold to say so)", file=sys.stderr)
        try:
            folder, validation = train_on_annotations(annotations, args.out, method=args.default_method,
                                                      embedding_model=args.embedding_model, n_splits=args.folds,
                                                      random_state=args.seed, show_progress=not args.quiet)
        except (FileNotFoundError, ValueError) as err:
            print(f"analysis framing train: {err}", file=sys.stderr)
            return 2
        score = (f"macro-F1 {validation['macro_f1']:.3f} on {validation['n']} passages of {validation['n_articles']} "
                 f"articles" if validation["macro_f1"] is not None else validation["protocol"])
        print(f"'{args.default_method}' trained on {', '.join(annotations)} and saved to {folder} ({score}); "
              f"use it with `analysis report --corpus ... -p framing_model {folder}`")
        return 0
    if len(annotations) > 1:
        from .retrain import read_annotation_files

        merged = Path(args.out) / "annotations_used.csv"
        merged.parent.mkdir(parents=True, exist_ok=True)
        read_annotation_files(annotations).to_csv(merged, index=False, encoding="utf-8")
        annotations = [str(merged)]
    args.annotations = annotations[0]
    args.save_model = args.out
    args.out = args.validation_out
    return validate(args)


def _check_output(path: Path) -> None:
    """Refuse an ``--output`` that cannot be written, before any work is done."""
    if path.is_dir():
        raise ValueError(f"--output '{path}' is a folder; name a CSV file, e.g. {path / 'predictions.csv'}")
    if not path.parent.is_dir():
        raise ValueError(f"--output '{path}': the folder '{path.parent}' does not exist; create it or choose another")


def predict(args: argparse.Namespace) -> int:
    """Predict frames for the passages of a CSV with columns id, text."""
    from .model import DEFAULT_MODEL_DIR, FramingClassifier

    _check_output(Path(args.output))
    try:
        table = pd.read_csv(args.input, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{args.input} is not UTF-8 (byte {err.start}); re-save it as UTF-8 CSV") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"input file '{args.input}' does not exist") from None
    missing = [c for c in ("id", "text") if c not in table.columns]
    if missing:
        raise ValueError(f"{args.input} lacks columns {missing}; it has {list(table.columns)}; "
                         "the input needs a header row with id,text")
    empty = table.index[table["text"].str.strip() == ""]
    if len(empty):
        ids = table.loc[empty[:10], "id"].tolist()
        raise ValueError(f"{len(empty)} rows have empty text (ids {ids}, CSV rows {[int(i) + 2 for i in empty[:10]]}); "
                         "remove them or fill them in")
    duplicated = table["id"][table["id"].duplicated()].unique()
    if len(duplicated):
        raise ValueError(f"ids must be unique; repeated: {list(duplicated[:10])}")
    model = FramingClassifier.load(args.model or DEFAULT_MODEL_DIR)
    embeddings = _embed(table["text"], model.embedding_model, args.quiet) if model.needs_embeddings else None
    result = model.predict_table(table["id"].tolist(), table["text"].tolist(), embeddings=embeddings)
    result = result.rename(columns={"passage_id": "id"})[PREDICT_COLUMNS]
    result.to_csv(args.output, index=False, encoding="utf-8", float_format="%.6f")
    print(f"{len(result)} passages -> {args.output} ({result['label'].value_counts().to_dict()})", file=sys.stderr)
    return 0


def export(args: argparse.Namespace) -> int:
    """Write the passages to hand-code next: least sure, stratified by predicted label."""
    from .evaluation import select_for_annotation
    from ..corpus import load_corpus
    from .model import DEFAULT_MODEL_DIR, FramingClassifier

    passages = load_corpus(args.corpus, show_progress=not args.quiet).passages
    model = FramingClassifier.load(args.model or DEFAULT_MODEL_DIR)
    embeddings = _embed(passages["text"], model.embedding_model, args.quiet) if model.needs_embeddings else None
    predictions = model.predict_table(passages["passage_id"].tolist(), passages["text"].tolist(), embeddings=embeddings)
    done = read_annotations(args.annotations)["passage_id"].tolist() if Path(args.annotations).is_file() else []
    chosen = select_for_annotation(predictions, args.sample, exclude=done, random_state=args.seed)
    sheet = chosen.merge(passages[["passage_id", "article_id", "text"]], on="passage_id")
    sheet = sheet.rename(columns={"label": "predicted"}).assign(label="", coder="", note="")
    columns = ["passage_id", "article_id", "label", "coder", "note", "predicted", "margin",
               *[f"p_{f}" for f in FRAMES], "text"]
    sheet[columns].to_csv(args.output, index=False, encoding="utf-8")
    print(f"{len(sheet)} passages to code written to {args.output}; fill in label ({', '.join(FRAMES)}) and "
          f"coder, then run `analysis framing import --input {args.output}`")
    return 0


def import_(args: argparse.Namespace) -> int:
    """Merge a filled-in coding sheet into the annotations file."""
    sheet = pd.read_csv(args.input, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in ANNOTATION_COLUMNS if c not in sheet.columns]
    if missing:
        raise ValueError(f"coding sheet '{args.input}' lacks columns {missing}; export one with `analysis framing export`")
    sheet["label"] = normalise_labels(sheet["label"])
    filled = sheet[sheet["label"] != ""].copy()
    refuse_conflicts(filled, f"coding sheet '{args.input}'")
    filled = filled.drop_duplicates("passage_id")
    bad = filled[~filled["label"].isin(FRAMES)]
    if len(bad):
        raise ValueError(f"labels {sorted(set(bad['label']))} in rows {[int(i) + 2 for i in bad.index[:10]]} "
                         f"are not one of {list(FRAMES)}")
    uncoded = filled[filled["coder"].str.strip() == ""]
    if len(uncoded):
        raise ValueError(f"rows {[int(i) + 2 for i in uncoded.index[:10]]} have a label but no coder; fill in coder")
    target = Path(args.annotations)
    current = read_annotations(target) if target.is_file() else pd.DataFrame(columns=ANNOTATION_COLUMNS)
    merged = pd.concat([current[~current["passage_id"].isin(filled["passage_id"])], filled[ANNOTATION_COLUMNS]],
                       ignore_index=True).fillna("").sort_values("passage_id", kind="stable")
    merged.to_csv(target, index=False, encoding="utf-8")
    print(f"{len(filled)} coded passages merged into {target} ({len(merged)} in all); "
          f"{len(sheet) - len(filled)} rows left uncoded were skipped")
    return 0


def add_framing_commands(commands) -> None:
    """Add ``framing`` and its sub-commands to the top-level sub-parsers."""
    framing = commands.add_parser("framing", help="validate, train, apply and grow the framing classifier",
                                  description="The militarization / root-cause / neither passage classifier.")
    sub = framing.add_subparsers(dest="framing_command", required=True, metavar="SUBCOMMAND")

    def protocol_options(parser, several_annotations: bool = False) -> None:
        from .instrument import GATED, VALIDATION_METHODS

        parser.add_argument("--methods", default=",".join(VALIDATION_METHODS),
                            help=f"comma-separated methods to compare (from {','.join(VALIDATION_METHODS)}); "
                                 f"with ensemble, {GATED} (the ensemble gated by the relevance score) is added")
        parser.add_argument("--group-by", choices=["outlet", "article"], default="outlet",
                            help="what never appears on both sides of a split (default outlet)")
        parser.add_argument("--folds", type=int, default=10, help="number of grouped folds")
        parser.add_argument("--corpora", default=None, help="folder of the shared corpora (default ../shared/corpora)")
        if several_annotations:
            parser.add_argument("--annotations", action="append", metavar="CSV",
                                help="coded passages to learn from (columns passage_id, article_id, label, text, as "
                                     f"`analysis framing import` writes them); repeatable; default {DEFAULT_ANNOTATIONS}")
        else:
            parser.add_argument("--annotations", default=DEFAULT_ANNOTATIONS,
                                help="seed annotations kept in every training fold (CSV)")
        parser.add_argument("--embedding-model", default=None, help="encoder (default: the package default)")
        parser.add_argument("--default-method", default="ensemble", help="method to train and save (default ensemble, chosen by the validation over ensemble+relevance)")
        parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the CIs")
        parser.add_argument("--seed", type=int, default=0, help="random seed")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    validate_p = sub.add_parser("validate", help="outlet-grouped validation on the gold standard",
                                description="Cross-validate the framing methods on the gold standard without ever "
                                            "putting one outlet on both sides; print macro-F1, kappa and ECE per "
                                            "language and stratum with 95%% bootstrap CIs, per-class F1, the coder-vs-coder "
                                            "ceiling and the share of off-topic news framed; save tables and a figure.")
    protocol_options(validate_p)
    validate_p.add_argument("--out", default="figures/validation", help="folder for the validation tables")
    validate_p.add_argument("--save-model", metavar="DIR", help="also train --default-method on every labelled "
                            "passage and save it here")
    validate_p.set_defaults(func=validate)

    train_p = sub.add_parser("train", help="train a framing model on coded passages (--annotations) and save it",
                             description="Train the framing model and save it with a model card. With the gold "
                                         "standard's corpora (../shared/corpora or --corpora): validate, then train on "
                                         "the gold standard, the --annotations, the codebook examples and off-topic "
                                         "news (the shipped model is made with `analysis framing train --out "
                                         "analysis/framing/models/default`). Without them, or with --no-gold: train on "
                                         "the --annotations and the codebook examples, validated by article-grouped "
                                         "cross-validation on the annotations. Use the model with `analysis report "
                                         "--corpus C -p framing_model OUT`.")
    protocol_options(train_p, several_annotations=True)
    train_p.add_argument("--out", required=True, help="folder to save the model in")
    train_p.add_argument("--no-gold", action="store_true",
                         help="learn from the annotations and codebook examples only, even when the gold standard is there")
    train_p.add_argument("--validation-out", default="figures/validation", help="folder for the validation tables")
    train_p.set_defaults(func=train)

    predict_p = sub.add_parser("predict", help="frame every passage of a CSV (columns id,text)",
                               description="Predict labels and probabilities with the model shipped with the "
                                           "package (or --model). Output columns: " + ",".join(PREDICT_COLUMNS))
    predict_p.add_argument("--input", required=True, help="UTF-8 CSV with a header and columns id,text")
    predict_p.add_argument("--output", required=True, help="CSV to write")
    predict_p.add_argument("--model", help="folder of a saved framing model (default: the shipped one)")
    predict_p.add_argument("--quiet", action="store_true", help="no progress bar")
    predict_p.set_defaults(func=predict)

    export_p = sub.add_parser("export", help="write passages to hand-code next (least sure first)",
                              description="Pick the passages the model is least sure about, stratified by "
                                          "predicted label, as a CSV sheet for a coder.")
    export_p.add_argument("--corpus", default="seeds", help="folder or file of articles")
    export_p.add_argument("--sample", type=int, required=True, metavar="N", help="number of passages")
    export_p.add_argument("--output", default="to_code.csv", help="coding sheet to write")
    export_p.add_argument("--annotations", default=DEFAULT_ANNOTATIONS, help="skip passages already coded here")
    export_p.add_argument("--model", help="folder of a saved framing model (default: the shipped one)")
    export_p.add_argument("--seed", type=int, default=0, help="random seed for ties")
    export_p.add_argument("--quiet", action="store_true", help="no progress bars")
    export_p.set_defaults(func=export)

    import_p = sub.add_parser("import", help="merge a filled-in coding sheet into the annotations",
                              description="Add coded rows (label and coder filled in) of a sheet written by "
                                          "`framing export` to the annotations file, replacing earlier codes of "
                                          "the same passages.")
    import_p.add_argument("--input", required=True, help="filled-in coding sheet")
    import_p.add_argument("--annotations", default=DEFAULT_ANNOTATIONS, help="annotations file to update")
    import_p.set_defaults(func=import_)
