"""``analysis framing train | validate | predict | export | import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .frames import FRAMES

DEFAULT_ANNOTATIONS = "seeds/annotations.csv"
ANNOTATION_COLUMNS = ["passage_id", "article_id", "label", "coder", "note", "text"]
PREDICT_COLUMNS = ["id", "label", "p_militarization", "p_root_cause", "p_neither", "stance"]


def read_annotations(path: str | Path) -> pd.DataFrame:
    """Read hand-coded passages (columns passage_id, article_id, label, coder, note, text).

    An optional ``second_label`` column holds a second coder's labels for reliability.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"annotations file '{path}' does not exist")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in ("passage_id", "article_id", "label", "text") if c not in table.columns]
    if missing:
        raise ValueError(f"annotations file '{path}' lacks columns {missing}; it has {list(table.columns)}")
    bad = table[~table["label"].isin(FRAMES)]
    if len(bad):
        raise ValueError(f"annotations file '{path}' has labels {sorted(set(bad['label']))} in rows "
                         f"{[int(i) + 2 for i in bad.index[:10]]}; labels must be one of {list(FRAMES)}")
    return table


def training_set(annotations: pd.DataFrame) -> pd.DataFrame:
    """Annotated passages plus the codebook's team-written examples (marked ``always_train``)."""
    from .model import codebook_examples

    examples = codebook_examples().assign(article_id="codebook", always_train=True)
    coded = annotations[["text", "label", "article_id"]].assign(always_train=False)
    return pd.concat([coded, examples[["text", "label", "article_id", "always_train"]]], ignore_index=True)


def _embed(texts, model: str, quiet: bool = False) -> np.ndarray:
    import os

    from ..vectorize import Embedder

    cache = Path(os.environ.get("ANALYSIS_CACHE", Path.home() / ".cache" / "analysis")) / "embeddings"
    return Embedder(model, cache_dir=cache, show_progress=not quiet).encode(list(texts))


def validate(args: argparse.Namespace) -> int:
    """Leave-one-article-out validation of every method on the annotations."""
    from .evaluation import coder_agreement, cross_validate, validation_report
    from .model import METHODS, FramingClassifier, make_scorer

    annotations = read_annotations(args.annotations)
    data = training_set(annotations)
    embeddings = _embed(data["text"], args.embedding_model, args.quiet)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fixed = data["always_train"].to_numpy()
    print(f"{len(annotations)} annotated passages in {annotations['article_id'].nunique()} articles "
          f"({annotations['label'].value_counts().to_dict()}), plus {int(fixed.sum())} codebook examples "
          "always in training; leave-one-article-out, 95% bootstrap CIs")
    summary, results = [], {}
    for method in METHODS:
        oof = cross_validate(make_scorer(method), data["text"], data["label"], embeddings=embeddings,
                             groups=data["article_id"], always_train=fixed)
        oof = oof[~fixed].assign(passage_id=annotations["passage_id"].to_numpy(),
                                 text=annotations["text"].to_numpy())
        metrics, confusion = validation_report(oof["y_true"], oof["y_pred"], n_boot=args.n_boot,
                                               random_state=args.seed)
        results[method] = (oof, metrics, confusion)
        row = metrics.set_index(["metric", "frame"])
        summary.append({"method": method, **{f"{m}{s}": row.loc[(m, "all"), c] for m in ("macro_f1", "kappa", "accuracy")
                                             for s, c in (("", "value"), ("_low", "ci_low"), ("_high", "ci_high"))}})
    summary = pd.DataFrame(summary)
    best = summary.sort_values("macro_f1", ascending=False, kind="stable").iloc[0]["method"]
    summary["default"] = summary["method"] == best
    for _, r in summary.iterrows():
        print(f"  {r['method']:<11} macro-F1 {r['macro_f1']:.3f} [{r['macro_f1_low']:.3f}, {r['macro_f1_high']:.3f}]"
              f"  kappa {r['kappa']:.3f} [{r['kappa_low']:.3f}, {r['kappa_high']:.3f}]"
              f"  accuracy {r['accuracy']:.3f}{'  <- default' if r['default'] else ''}")
    oof, metrics, confusion = results[best]
    print(f"\nper class ({best}):")
    for frame in FRAMES:
        part = metrics[metrics["frame"] == frame].set_index("metric")
        print("  " + f"{frame:<15}" + "  ".join(
            f"{m} {part.loc[m, 'value']:.2f} [{part.loc[m, 'ci_low']:.2f}, {part.loc[m, 'ci_high']:.2f}]"
            for m in ("precision", "recall", "f1")))
    print("\nconfusion (rows: human coding, columns: classifier):")
    print(confusion.pivot(index="true", columns="predicted", values="count").loc[list(FRAMES), list(FRAMES)].to_string())
    lexicon = summary.set_index("method").loc["lexicon", "macro_f1"]
    print(f"\ndefault '{best}' vs lexicon baseline: macro-F1 {summary.set_index('method').loc[best, 'macro_f1']:.3f} "
          f"vs {lexicon:.3f}")
    if "second_label" in annotations.columns and (annotations["second_label"] != "").sum() >= 2:
        agreement = coder_agreement(annotations["label"], annotations["second_label"])
        print(f"coder agreement: Krippendorff's alpha {agreement['krippendorff_alpha']:.3f} "
              f"(raw {agreement['agreement']:.2f}, n={agreement['n']})")
    summary.to_csv(out / "framing_validation_summary.csv", index=False)
    metrics.to_csv(out / "framing_validation_metrics.csv", index=False)
    confusion.to_csv(out / "framing_confusion.csv", index=False)
    wrong = oof[oof["y_true"] != oof["y_pred"]][["passage_id", "y_true", "y_pred", *[f"p_{f}" for f in FRAMES], "text"]]
    wrong.to_csv(out / "framing_misclassified.csv", index=False)
    print(f"\n{len(wrong)} misclassified passages written to {out / 'framing_misclassified.csv'}")
    if args.save_model:
        model = FramingClassifier(method=best, embedding_model=args.embedding_model, random_state=args.seed)
        model.fit(data["text"], data["label"], embeddings=embeddings)
        model.selection_ = summary.set_index("method")["macro_f1"].round(4).to_dict()
        record = {"trained_on": {"annotations": str(args.annotations), "n_annotated": len(annotations),
                                 "n_codebook_examples": int(fixed.sum())},
                  "validation": {"scheme": "leave-one-article-out", "summary": summary.to_dict("records"),
                                 "metrics": metrics.to_dict("records"), "confusion": confusion.to_dict("records")}}
        model.save(args.save_model, extra=record)
        print(f"default model ({best}) trained on all annotations and saved to {args.save_model}")
    return 0


def predict(args: argparse.Namespace) -> int:
    """Predict frames for the passages of a CSV with columns id, text."""
    from .model import DEFAULT_MODEL_DIR, FramingClassifier

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
    filled = sheet[sheet["label"].str.strip() != ""].copy()
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

    validate_p = sub.add_parser("validate", help="leave-one-article-out validation of every method",
                                description="Cross-validate the lexicon, zero-shot and supervised scorers on the "
                                            "hand-coded passages, leaving one article out at a time; print and save "
                                            "macro-F1, kappa, accuracy, per-class precision/recall/F1 with 95%% "
                                            "bootstrap CIs, the confusion matrix and the misclassified passages.")
    validate_p.add_argument("--annotations", default=DEFAULT_ANNOTATIONS, help="hand-coded passages (CSV)")
    validate_p.add_argument("--out", default="figures/validation", help="folder for the validation tables")
    validate_p.add_argument("--save-model", metavar="DIR", help="also train the best method on all annotations and "
                            "save it here (the shipped model lives in analysis/framing/models/default)")
    validate_p.add_argument("--embedding-model", default="all-MiniLM-L6-v2", help="sentence-embedding model")
    validate_p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the CIs")
    validate_p.add_argument("--seed", type=int, default=0, help="random seed")
    validate_p.add_argument("--quiet", action="store_true", help="no progress bars")
    validate_p.set_defaults(func=validate)

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
