"""kg ontology check: what the extractors use, what is wrong, which cues fire on a sample."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import OntologyError
from kg.ontology_check import check_ontology, sample_usage

HEAD = """@prefix kgo: <https://w3id.org/kg/ontology#> .
@prefix ex: <https://example.org/onto#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

CLEAN = HEAD + """
kgo:NewsArticle a owl:Class .
ex:Human a owl:Class ; kgo:nerLabel "PERSON" .
ex:Firm a owl:Class ; kgo:nerLabel "ORG" ; kgo:headCue "company", "bakery" .
ex:Town a owl:Class ; kgo:nerLabel "GPE" .
ex:employs a owl:ObjectProperty ; rdfs:domain ex:Firm ; rdfs:range ex:Human ;
    kgo:frame "hire: subj -> obj" .
ex:worksFor a owl:ObjectProperty ; rdfs:domain ex:Human ; rdfs:range ex:Firm ;
    kgo:titleCue "baker", "manager" .
ex:basedIn a owl:ObjectProperty ; rdfs:domain ex:Firm ; rdfs:range ex:Town ;
    kgo:structure "prep:in" ; kgo:frame "locate: obj -> prep:in" .
"""


def _write(tmp_path, body: str, name: str = "onto.ttl"):
    f = tmp_path / name
    f.write_text(body, encoding="utf-8")
    return f


def test_clean_file_has_no_issue_and_lists_what_extractors_use(tmp_path):
    report = check_ontology([_write(tmp_path, CLEAN)], core=False)
    assert report.issues == []
    text = "\n".join(report.lines())
    assert "Firm: NER ORG; head cues bakery, company" in text
    assert "worksFor: domain Human; range Firm; titles baker, manager" in text
    assert "basedIn: domain Firm; range Town; frames obj -> prep:in: locate; structures prep:in" \
        in text
    assert text.endswith("0 errors, 0 warnings")


@pytest.mark.parametrize(("extra", "severity", "needle"), [
    ("ex:Bakery a owl:Class ; rdfs:subClassOf ex:Shop .", "error", "parent 'Shop'"),
    ("ex:owns a owl:ObjectProperty ; rdfs:domain ex:Human ; kgo:verbCue \"own\" .",
     "warning", "owns has no rdfs:range"),
    ("ex:likes a owl:ObjectProperty ; rdfs:range ex:Human ; kgo:verbCue \"like\" .",
     "warning", "likes has no rdfs:domain"),
    ("ex:sues a owl:ObjectProperty ; rdfs:domain ex:Firm ; rdfs:range ex:Firm .",
     "warning", "sues has no cue"),
    ("ex:near a owl:ObjectProperty ; rdfs:domain ex:Town ; rdfs:range ex:Town ; "
     "kgo:structure \"beside\" .", "error", "unknown kgo:structure 'beside'"),
    ("ex:Idea a owl:Class . ex:holds a owl:ObjectProperty ; rdfs:domain ex:Human ; "
     "rdfs:range ex:Idea ; kgo:verbCue \"hold\" .", "warning", "no class in its range (Idea)"),
    ("ex:Shop a owl:Class ; kgo:nerLabel \"SHOP\" .", "warning", "'SHOP' is no spaCy entity label"),
])
def test_issues_name_the_file_the_term_and_the_fix(tmp_path, extra, severity, needle):
    f = _write(tmp_path, CLEAN + extra + "\n")
    report = check_ontology([f], core=False)
    hits = [i for i in report.issues if needle in i.message]
    assert hits, report.issues
    assert hits[0].severity == severity
    assert str(f) in hits[0].message


def test_missing_document_class_is_an_error_without_core(tmp_path):
    body = CLEAN.replace("kgo:NewsArticle a owl:Class .", "")
    report = check_ontology([_write(tmp_path, body)], core=False)
    assert [i.term for i in report.errors] == ["NewsArticle"]
    # on top of the core ontology the core declares it
    assert check_ontology([_write(tmp_path, body, "b.ttl")], core=True).errors == []


@pytest.mark.parametrize(("body", "needle"), [
    ("ex:p a owl:ObjectProperty ; kgo:frame \"hire subj obj\" .", r"onto.ttl: property p: bad kgo:frame"),
    ("ex:p a owl:ObjectProperty ; rdfs:domain ex:Nowhere .", r"onto.ttl: property p uses class 'Nowhere'"),
])
def test_load_errors_name_file_term_and_fix(tmp_path, body, needle):
    with pytest.raises(OntologyError, match=needle):
        check_ontology([_write(tmp_path, HEAD + body)], core=False)


def test_sample_counts_candidates_and_silent_cues(tmp_path):
    onto_file = _write(tmp_path, CLEAN)
    sample = tmp_path / "sample"
    sample.mkdir()
    (sample / "a.txt").write_text(
        "Maria Lopez, a manager at Fernwood Bakery, spoke on Monday.\n\n"
        "Fernwood Bakery in Portland hired Tom Reyes last year.\n", encoding="utf-8")
    report = check_ontology([onto_file], core=False)
    usage, docs = sample_usage(report.ontology, [sample])
    assert docs == 1
    assert usage["employs"].candidates >= 1 and usage["employs"].accepted >= 1
    assert usage["employs"].fired == ("hire",)
    assert "baker" in usage["worksFor"].silent
    assert "locate" in usage["basedIn"].silent


def test_cli_check_prints_and_exits_by_errors(tmp_path):
    runner = CliRunner()
    good = _write(tmp_path, CLEAN)
    res = runner.invoke(app, ["ontology", "check", str(good), "--no-core"])
    assert res.exit_code == 0, res.output
    assert "properties 3" in res.output
    bad = _write(tmp_path, CLEAN + "ex:Bakery a owl:Class ; rdfs:subClassOf ex:Shop .\n", "bad.ttl")
    res = runner.invoke(app, ["ontology", "check", str(bad), "--no-core"])
    assert res.exit_code == 1
    assert "error:" in res.output and "Shop" in res.output
    res = runner.invoke(app, ["ontology", "check", str(good), "--no-core", "--format", "json"])
    data = json.loads(res.output)
    assert data["properties"]["employs"]["domain"] == ["Firm"]
    res = runner.invoke(app, ["ontology", "check", str(tmp_path / "none.ttl")])
    assert res.exit_code == 2


def test_cli_ontology_help():
    res = CliRunner().invoke(app, ["ontology", "check", "--help"])
    assert res.exit_code == 0 and "--sample" in res.output


def test_topic_phrase_and_suffix_cues_are_listed_and_make_classes_findable(tmp_path):
    body = CLEAN + """
ex:Office a owl:Class ; kgo:phraseCue "mayor" .
ex:Creed a owl:Class ; kgo:suffixCue "ism" .
ex:Book a owl:Class ; kgo:topicName true ; kgo:nameArticle true .
ex:Lake a owl:Class ; kgo:headCue "lake" ; kgo:nameArticle false .
ex:holds a owl:ObjectProperty ; rdfs:domain ex:Human ; rdfs:range ex:Office ;
    kgo:structure "topic" .
ex:believes a owl:ObjectProperty ; rdfs:domain ex:Human ; rdfs:range ex:Creed ;
    kgo:structure "topic" .
ex:wrote a owl:ObjectProperty ; rdfs:domain ex:Human ; rdfs:range ex:Book ;
    kgo:structure "topic" .
"""
    report = check_ontology([_write(tmp_path, body)], core=False)
    assert report.issues == []
    text = "\n".join(report.lines())
    assert "Office: phrase cues mayor" in text
    assert "Creed: suffix cues ism" in text
    assert "Book: topic names; names take a 'The' before them" in text
    assert "Lake: head cues lake; names drop a 'The' before them" in text
    assert report.to_dict()["classes"]["Lake"]["name_article"] is False
    assert "holds: domain Human; range Office; structures topic" in text
