"""The geoparser: one test per recognition and resolution rule, and the example article."""

from __future__ import annotations

from pathlib import Path

import pytest

import geo
import geo.weights
from geo import explain, geoparse

ARTICLE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"


def found(text, **kw):
    return [(m.text, m.place.name if m.place else None, m.place.kind if m.place else None,
             m.place.country if m.place else None, m.form) for m in geoparse(text, **kw).mentions]


def places(text):
    return {(m.text, m.place.kind, m.place.country) for m in geoparse(text).mentions}


def texts(text):
    return [m.text for m in geoparse(text).mentions]


# -- the contract ---------------------------------------------------------------------------
def test_document_contract():
    text = "Talks in Baku.\nArmenian officials went to Yerevan."
    doc = geoparse(text)
    assert [m.start for m in doc.mentions] == sorted(m.start for m in doc.mentions)
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text
        assert m.form in ("name", "demonym")
        assert m.text in m.sentence
        assert 0 <= m.score <= 1
    assert doc.mentions[0].sentence == "Talks in Baku."
    assert "Document" in repr(doc) and "<table>" in doc._repr_html_()
    p = doc.places
    assert list(p["name"]) == ["Baku", "Armenia", "Yerevan"]
    assert {"name", "kind", "country", "mentions", "first", "geometry"} <= set(p.columns)
    assert p.crs.to_epsg() == 4326
    assert '"FeatureCollection"' in doc.to_geojson()


def test_empty_and_placeless_text():
    assert geoparse("").mentions == []
    assert geoparse("nothing to see here, honestly.").mentions == []
    assert len(geoparse("").places) == 0


def test_non_str_is_an_input_error():
    with pytest.raises(geo.InputError):
        geoparse(b"Baku")


# -- recognition ------------------------------------------------------------------------------
def test_all_caps_dateline():
    doc = geoparse("BEIRUT (AP) — Talks resumed on Monday.")
    assert [(m.text, m.place.country) for m in doc.mentions] == [("BEIRUT", "LB")]


def test_possessive_and_hyphenated_modifier():
    assert found("Azerbaijan's checkpoint")[0][:2] == ("Azerbaijan", "Azerbaijan")
    assert found("Azerbaijan’s President")[0][0] == "Azerbaijan"
    m = found("a Russian-brokered peace agreement")
    assert m == [("Russian", "Russia", "country", "RU", "demonym")]


@pytest.mark.parametrize("text, country", [("US", "US"), ("U.S.", "US"), ("UK", "GB"), ("U.K.", "GB")])
def test_abbreviations(text, country):
    doc = geoparse(f"Officials in the {text} said so.")
    assert [(m.text, m.place.country, m.place.kind) for m in doc.mentions] == [(text, country, "country")]


def test_short_all_caps_words_are_not_places():
    assert texts("The CEO of IBM spoke at the UN in MAY.") == []


@pytest.mark.parametrize("text, head, country, admin", [
    ("He moved to Paris, Texas last year.", "Paris", "US", "admin1"),
    ("She arrived in Washington, DC on Sunday.", "Washington, DC", "US", "city"),
    ("She arrived in Washington, D.C. on Sunday.", "Washington, D.C.", "US", "city"),
])
def test_comma_qualifier(text, head, country, admin):
    doc = geoparse(text)
    m = doc.mentions[0]
    assert m.text == head and m.place.country == country and m.place.kind == "city"
    assert m.qualifier is not None and m.qualifier.kind == admin


@pytest.mark.parametrize("text, mentions", [
    ("He moved to Paris, Texas last year.", [("Paris", "city:4717560"), ("Texas", "admin1:USA-3536")]),
    ("She arrived in Washington, DC on Sunday.", [("Washington, DC", "city:4140963")]),
    ("Shelling near Lviv, Ukraine went on.", [("Lviv", "city:702550"), ("Ukraine", "country:UA")]),
])
def test_mentions_never_overlap(text, mentions):
    doc = geoparse(text)
    assert [(m.text, m.place.id) for m in doc.mentions] == mentions
    ends = [m.end for m in doc.mentions]
    assert all(a.end <= b.start for a, b in zip(doc.mentions, doc.mentions[1:])), ends
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text
        assert explain(doc, m).iloc[0]["id"] == m.place.id  # explain finds each mention's own span


def test_paris_texas_beside_paris_france():
    doc = geoparse("Paris, Texas is smaller than Paris, France. Paris in Texas has a tower too.")
    heads = [(m.text, m.place.country, m.qualifier.name) for m in doc.mentions if m.qualifier]
    assert heads[:2] == [("Paris", "US", "Texas"), ("Paris", "FR", "France")]
    assert {m.text for m in doc.mentions} >= {"Texas", "France"}
    later = [m for m in doc.mentions if m.text == "Paris"][2:]
    assert later and all(m.place.country == "US" for m in later)


def test_a_list_is_not_a_qualifier():
    doc = geoparse("Talks between Yerevan, Baku and Tbilisi.")
    assert [m.text for m in doc.mentions] == ["Yerevan", "Baku", "Tbilisi"]
    assert all(m.qualifier is None for m in doc.mentions)


@pytest.mark.parametrize("word", ["Most", "Nice", "Split", "Reading", "Mobile", "Bath", "Of"])
def test_common_words_at_sentence_start_are_not_places(word):
    assert texts(f"{word} of the delegates agreed. {word} people said little.") == []


def test_common_word_places_mid_sentence_are_places():
    assert places("They flew from Nice to Split and then drove to Bath.") >= {
        ("Nice", "city", "FR"), ("Split", "city", "HR"), ("Bath", "city", "GB")}


@pytest.mark.parametrize("text", [
    "Armenian Foreign Minister Ararat Mirzoyan arrived.",
    "said Ani Badalyan, a spokesperson.",
    "Jordan Henderson scored twice.",
    "Victoria Beckham launched a range.",
    "spokesperson Matthew Miller said. Miller added that talks continue.",
])
def test_person_names_are_not_places(text):
    got = {t for t, *_ in found(text)} - {"Armenian"}
    assert got == set()


def test_first_names_that_are_places_still_work_as_places():
    assert places("Refugees crossed from Jordan into Syria.") >= {("Jordan", "country", "JO")}
    assert places("Bushfires spread across Victoria, Australia.") >= {("Victoria", "admin1", "AU")}
    assert places("Bushfires spread across Victoria and New South Wales.") >= {("Victoria", "admin1", "AU")}


def test_demonyms_are_flagged_and_optional():
    doc = geoparse("Armenian and Azerbaijani diplomats met.")
    assert [(m.text, m.form, m.place.country) for m in doc.mentions] == [
        ("Armenian", "demonym", "AM"), ("Azerbaijani", "demonym", "AZ")]
    assert geoparse("Armenian and Azerbaijani diplomats met.", demonyms=False).mentions == []


# -- resolution -------------------------------------------------------------------------------
def test_georgia_the_country_beside_tbilisi():
    doc = geoparse("Protests in Tbilisi spread across Georgia.")
    assert [m.place.kind for m in doc.mentions if m.text == "Georgia"] == ["country"]


def test_georgia_the_state_beside_atlanta():
    doc = geoparse("Storms hit Atlanta and much of Georgia on Monday.")
    g = [m.place for m in doc.mentions if m.text == "Georgia"][0]
    assert (g.kind, g.country) == ("admin1", "US")


def test_washington_in_diplomatic_news_is_the_capital():
    doc = geoparse("Officials from Washington and Moscow met to discuss the sanctions.")
    w = [m.place for m in doc.mentions if m.text == "Washington"][0]
    assert w.id == "city:4140963"


def test_karabakh_is_the_disputed_area():
    doc = geoparse("Fighting resumed in Karabakh.")
    assert doc.mentions[0].place.kind == "disputed"


def test_lachin_town_district_or_corridor_as_the_text_says():
    doc = geoparse("Trucks queued on the Lachin corridor. The town of Lachin was quiet. "
                   "Lachin district borders Armenia.")
    kinds = [m.place.kind for m in doc.mentions if m.text.startswith("Lachin")]
    assert kinds == ["corridor", "city", "admin1"]


def test_one_sense_per_name():
    doc = geoparse("Georgia's capital is Tbilisi. Georgia borders Armenia. Georgia is mountainous.")
    assert {m.place.id for m in doc.mentions if m.text == "Georgia"} == {"country:GE"}


def test_explain_shows_candidates_and_evidence():
    doc = geoparse("Storms hit Atlanta and much of Georgia on Monday.")
    table = explain(doc, "Georgia")
    assert list(table.columns[:4]) == ["id", "name", "kind", "country"]
    assert table.iloc[0]["country"] == "US" and "chosen" in table.iloc[0]["notes"]
    assert (table["country"] == "GE").any()
    # The decision explain shows is the one taken: the chosen row is the place the mention resolved to.
    georgia = next(m for m in doc.mentions if m.text == "Georgia")
    chosen = table[table["notes"].str.contains("chosen")]
    assert chosen["id"].tolist() == [georgia.place.id] and chosen["score"].iloc[0] == table["score"].max()
    assert doc.explain(0).shape[0] >= 1
    with pytest.raises(geo.UnknownMentionError, match="Narnia") as e:
        explain(doc, "Narnia")
    assert isinstance(e.value, KeyError) and isinstance(e.value, geo.GeoError)


# -- the example article ----------------------------------------------------------------------
def test_example_article_golden():
    text = ARTICLE.read_text(encoding="utf-8")
    doc = geoparse(text)
    got = {(m.text, m.place.id, m.form) for m in doc.mentions}
    want = {
        ("US", "country:US", "name"), ("United States", "country:US", "name"),
        ("Azerbaijan", "country:AZ", "name"), ("Armenia", "country:AM", "name"),
        ("Karabakh", "disputed:nagorno-karabakh", "name"), ("Lachin corridor", "corridor:lachin", "name"),
        ("Washington, DC", "city:4140963", "name"), ("Yerevan", "city:616052", "name"),
        ("Baku", "city:587084", "name"), ("South Caucasus", "region:south-caucasus", "name"),
        ("Armenian", "country:AM", "demonym"), ("Russian", "country:RU", "demonym"),
        ("Azerbaijani", "country:AZ", "demonym"),
    }
    optional = {("Soviet", "region:soviet-union", "demonym"),
                ("seven adjacent regions", "region:seven-districts", "name")}
    assert want - got - {("Azerbaijani", "country:AZ", "demonym")} == set()
    assert got - want - optional == set(), "false positives"
    assert sum(m.place.id == "city:4140963" for m in doc.mentions) == text.count("Washington"), "one Washington, DC"
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text
    names = {m.text for m in doc.mentions}
    assert not names & {"Ararat", "Ani", "Most", "Miller", "Blinken"}


def test_sentence_initial_sizeable_place_is_kept():
    doc = geoparse("Atlanta is the capital of Georgia.")
    assert [(m.text, m.place.kind, m.place.country) for m in doc.mentions] == [
        ("Atlanta", "city", "US"), ("Georgia", "admin1", "US")]


def test_small_places_named_like_common_words_need_a_locative():
    assert texts("Members of the Chamber met the Force commander.") == []
    assert places("The convoy stopped in Most on Monday.") == {("Most", "city", "CZ")}


def test_geojson_is_strict_json_and_reads_back(tmp_path):
    import json

    import geopandas as gpd

    doc = geoparse("Talks on the South Caucasus in Baku and Yerevan.")
    fc = json.loads(doc.to_geojson())  # no NaN: regions have a null country
    assert {f["properties"]["country"] for f in fc["features"]} == {None, "AZ", "AM"}
    path = tmp_path / "places.geojson"
    path.write_text(doc.to_geojson(), encoding="utf-8")
    assert sorted(gpd.read_file(path)["name"]) == ["Baku", "South Caucasus", "Yerevan"]


def test_people_speak_small_places_do_not():
    assert texts("Obama said the talks would go on.") == []
    assert [m.text for m in geoparse("Liverpool said it condemned the damage.").mentions] == ["Liverpool"]


def test_english_alone_is_the_language():
    assert texts("The statement was published in English and Armenian.") == ["Armenian"]


def test_a_given_name_across_a_sentence_end_is_no_person():
    doc = geoparse("The prison is in Shelby. Montana offered $69 a day.")
    assert ("Montana", "admin1") in {(m.text, m.place.kind) for m in doc.mentions}


def test_well_known_non_places():
    assert texts("Officials at the White House spoke of El Niño.") == []


def test_the_matcher_finds_what_another_aho_corasick_library_finds():
    """find() (daachorse, prebuilt) gives what ahocorasick_rs's leftmost-longest automaton over
    every name gives, lowercase names ("the West Bank") and overlaps included."""
    import json

    import ahocorasick_rs

    from geo.mentions import _fold_text, matcher

    gaz = geo.load_gazetteer()
    m = matcher(gaz)
    forms = gaz.surface_columns()["surface"]
    keys = [k for i, k in enumerate(forms.tolist()) if i == 0 or k != forms[i - 1]]
    one = ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    texts = [ARTICLE.read_text(encoding="utf-8"),
             "Settlers in the West Bank, the West Bank Barrier and West Bank towns.",
             "the former Soviet Union, former Soviet Union states; the Soviet Union fell.",
             "seven districts around Nagorno-Karabakh and the seven adjacent regions of Nagorno Karabakh.",
             "occupied territories around Nagorno-Karabakh", "the West Bankthe West Bank", "seven districtsseven",
             "Степанакерт → Xankəndi 🙂 in Baku; 東京 and Tōkyō, São Paulo €5 Zürich"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "eval" / "geowebnews.jsonl"
    if shared.exists():
        with open(shared, encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f]
    lowercase_found = 0
    for text in texts:
        folded = _fold_text(text)
        found = m.find(folded)
        assert found == one.find_matches_as_indexes(folded), text[:80]
        lowercase_found += sum(keys[g][:1].islower() for g, _, _ in found)
    assert lowercase_found >= 8


# -- overrides: a newsroom's house list of readings -----------------------------------------------
def test_override_beats_every_score():
    text = "Storms hit Atlanta and much of Georgia on Monday. Georgia's governor spoke."
    assert {m.place.id for m in geoparse(text).mentions if m.text == "Georgia"} == {"admin1:USA-3543"}
    doc = geoparse(text, overrides={"Georgia": "country:GE"})
    assert {m.place.id for m in doc.mentions if m.text == "Georgia"} == {"country:GE"}
    assert next(m for m in doc.mentions if m.text == "Atlanta").place.country == "US"  # others keep their reading


def test_override_matches_the_name_not_its_case_and_can_name_any_place():
    doc = geoparse("Talks in Paris. PARIS replied.", overrides={"paris": "city:4717560"})  # Paris, Texas
    assert [m.place.id for m in doc.mentions] == ["city:4717560", "city:4717560"]
    assert [m.score for m in doc.mentions] == [1.0, 1.0]
    # A place the name never reads as: the override still wins, and explain shows it.
    doc = geoparse("Reporters in Springfield.", overrides={"Springfield": "country:FR"})
    assert doc.mentions[0].place.id == "country:FR"
    table = explain(doc, "Springfield")
    assert table.iloc[0]["id"] == "country:FR"


def test_explain_names_the_override():
    doc = geoparse("Storms hit Atlanta and much of Georgia.", overrides={"Georgia": "country:GE"})
    table = explain(doc, "Georgia")
    top = table.iloc[0]
    assert top["id"] == "country:GE" and top["override"] > 0 and "override" in top["notes"]
    assert "override" in table.attrs["evidence"]
    assert (table.loc[1:, "override"] == 0).all()
    assert (table[table.attrs["evidence"]].sum(axis=1) - table["score"]).abs().max() < 1e-9


def test_unknown_override_id_is_a_clear_error():
    with pytest.raises(geo.UnknownPlaceError, match="country:XX"):
        geoparse("Talks in Georgia.", overrides={"Georgia": "country:XX"})
    with pytest.raises(geo.InputError, match="country:XX"):  # also an InputError
        geoparse("", overrides={"Georgia": "country:XX"})
    with pytest.raises(geo.InputError):
        geoparse("Talks.", overrides=[("Georgia", "country:GE")])


def test_load_overrides(tmp_path):
    f = tmp_path / "house.csv"
    f.write_text("name,place_id\nGeorgia,country:GE\n\nParis , city:4717560\n", encoding="utf-8")
    assert geo.load_overrides(f) == {"Georgia": "country:GE", "Paris": "city:4717560"}
    f.write_text("name,id\nGeorgia,country:GE\n", encoding="utf-8")
    with pytest.raises(geo.InputError, match="name,place_id"):
        geo.load_overrides(f)
    f.write_text("name,place_id\nGeorgia,\n", encoding="utf-8")
    with pytest.raises(geo.InputError, match="line 2"):
        geo.load_overrides(f)
    with pytest.raises(geo.InputError, match="no such file"):
        geo.load_overrides(tmp_path / "missing.csv")


# -- mistake families (issue 13), with sentences written for these tests ------------------------
def ids(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.place.id) for m in geoparse(text).mentions]


@pytest.mark.parametrize("text", [
    "Cases were confirmed in Michigan, Ohio, Kansas and Nevada.",
    "Cases were confirmed in Oregon, California, Ohio and Texas.",
    "Voters in Oregon, Ohio and Georgia went to the polls on Tuesday.",
])
def test_a_list_of_states_is_states(text):
    doc = geoparse(text)
    assert [(m.place.kind, m.place.country) for m in doc.mentions] == [("admin1", "US")] * len(doc.mentions)
    assert all(m.qualifier is None for m in doc.mentions)


def test_a_list_of_countries_is_not_a_qualifier():
    doc = geoparse("Delegations from Vietnam, Thailand, Laos and Korea met on Friday.")
    assert [m.place.id for m in doc.mentions] == ["country:VN", "country:TH", "country:LA", "country:KR"]
    assert all(m.qualifier is None for m in doc.mentions)


@pytest.mark.parametrize("text", [
    "Talks in Baku and Paris, Texas ended on Monday.",
    "Officials from Lagos and Paris, Texas met.",
    "The tour visits Rome, Berlin and Paris, Texas.",
])
def test_a_qualified_city_at_the_end_of_a_list_keeps_its_qualifier(text):
    # A list of cities is no list of states: "Texas" still qualifies the last item.
    paris = [m for m in geoparse(text).mentions if m.text == "Paris"]
    assert [(m.place.id, m.qualifier.id) for m in paris] == [("city:4717560", "admin1:USA-3536")]


@pytest.mark.parametrize("text", [
    "Russia expelled 60 diplomats. Moscow said its response would follow, and Washington is already reacting.",
    "Ministers from Canada, Mexico and Japan flew to Washington for the talks.",
])
def test_a_capital_in_a_story_about_other_countries_is_the_capital(text):
    assert {m.place.id for m in geoparse(text).mentions if m.text == "Washington"} == {"city:4140963"}


def test_a_state_among_its_own_places_stays_the_state():
    doc = geoparse("Wildfires near Seattle and Spokane spread across Washington on Sunday.")
    assert [m.place.id for m in doc.mentions if m.text == "Washington"] == ["admin1:USA-3519"]


def test_city_and_country_pairs():
    assert ids("Shelling near Lviv, Ukraine, and a raid on Mosul, Iraq.") == [
        ("Lviv", "city:702550"), ("Ukraine", "country:UA"), ("Mosul", "city:99072"), ("Iraq", "country:IQ")]


def test_city_and_state_pairs():
    doc = geoparse("The rally in Syracuse, New York drew thousands.")
    assert [(m.text, m.place.id) for m in doc.mentions] == [("Syracuse", "city:5140405"), ("New York", "admin1:USA-3559")]
    assert doc.mentions[0].qualifier.id == "admin1:USA-3559"
    assert ids("A statement from the New York attorney general followed.") == [("New York", "admin1:USA-3559")]
    assert ids("Ohio lawmakers met in Columbus.")[0] == ("Ohio", "admin1:USA-3550")


def test_a_region_beats_a_small_town_of_its_name_unless_the_text_says_town():
    assert ids("Wildfires spread across Alberta and Queensland.") == [
        ("Alberta", "admin1:CAN-632"), ("Queensland", "admin1:AUS-2657")]
    doc = geoparse("Farmers near the town of Queensland, Nova Scotia, lost their crops.")
    assert doc.mentions[0].place.kind == "city" and doc.mentions[0].place.country == "CA"


def test_a_big_city_does_not_lose_to_a_small_namesake_on_context_alone():
    doc = geoparse("American diplomats in Washington and New York prepared for talks in Moscow.")
    assert [m.place.country for m in doc.mentions if m.text == "Moscow"] == ["RU"]
    for name, country in [("Hamilton", "CA"), ("Kingston", "JM"), ("Richmond", "US")]:
        assert geoparse(f"The mayor of {name} spoke on Monday.").mentions[0].place.country == country


def test_one_sense_per_name_but_each_qualifier_keeps_its_own():
    doc = geoparse("Flooding hit Newcastle, New South Wales. Later, Newcastle in England also flooded.")
    got = [(m.text, m.place.country) for m in doc.mentions if m.text == "Newcastle"]
    assert got == [("Newcastle", "AU"), ("Newcastle", "GB")]


@pytest.mark.parametrize("text, name", [
    ("Storms hit Atlanta and much of Georgia. Georgia's governor spoke. Georgia is wet.", "Georgia"),
    ("Paris, Texas is smaller than Paris, France. Paris in Texas has a tower too.", "Paris"),
    ("Talks in China; China and Japan.", "China"),
])
def test_explain_adds_up(text, name):
    doc = geoparse(text)
    for m in doc.mentions:
        table = explain(doc, m)
        ev = table.attrs["evidence"]
        assert set(ev) <= set(table.columns) and "score" not in ev
        assert (table[ev].sum(axis=1) - table["score"]).abs().max() < 1e-9
        chosen = table[table["notes"].str.contains("chosen")]
        assert chosen["id"].tolist() == [m.place.id]
        assert table.iloc[0]["id"] == m.place.id  # the decision taken is the best score shown
    assert len(explain(doc, name)) >= 1  # by the name as written


def test_explain_shows_the_group_total_when_one_sense_per_name_decided():
    doc = geoparse("Georgia's capital is Tbilisi. Georgia borders Armenia. Georgia is mountainous.")
    table = explain(doc, "Georgia")
    top = table.iloc[0]
    assert top["id"] == "country:GE" and "summed over the 3 mentions" in top["notes"]
    assert top["prior.country"] == pytest.approx(3 * geo.weights.weights()["weights"]["prior.country"])


def test_the_weights_file_names_every_feature_and_its_training():
    import json

    from geo.weights import FEATURES, WEIGHTS_FILE, weights

    data = json.loads((Path(geo.weights.__file__).with_name(WEIGHTS_FILE)).read_text(encoding="utf-8"))
    assert list(data["weights"]) == list(FEATURES)
    assert data["version"] >= 1 and "cross_validated" in data and data["cross_validated"]["by"] == "document"
    assert weights()["weights"] == {f: float(v) for f, v in data["weights"].items()}


def test_inference_needs_no_training_library():
    import subprocess
    import sys

    code = ("import sys, geo; geo.geoparse('Talks in Baku.'); "
            "assert not {'sklearn', 'lightgbm', 'scipy'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- datelines, county lists and headline capitals --------------------------------------------
@pytest.mark.parametrize("text, country", [
    ("PORTLAND — The Board of Selectmen hired a veteran lawyer on Monday.", "US"),
    ("LEBANON, Ohio (AP) — A forensic pathologist testified on Tuesday.", "US"),
    ("WASHINGTON—President Trump signed the bill.", "US"),
    ("HANOVER -- Students in the library class built robots.", "DE"),  # a city, the largest of its name
])
def test_a_dateline_names_a_city(text, country):
    doc = geoparse(text)
    m = doc.mentions[0]
    assert (m.place.kind, m.place.country) == ("city", country), m.place
    assert "dateline" in explain(doc, m).iloc[0]["notes"]


@pytest.mark.parametrize("text", ["Talks in Portland - and more.", "The DPRK-South Korea summit.",
                                  "A Russian-American crew."])
def test_a_dash_inside_a_sentence_is_no_dateline(text):
    doc = geoparse(text)
    assert all("dateline" not in explain(doc, m)["notes"].str.cat() for m in doc.mentions)


@pytest.mark.parametrize("text, state", [
    ("Floods closed roads in Becker, Clay, Douglas, Grant and Otter Tail counties.", "US.MN"),
    ("Layoffs slowed in Jackson and Barrow counties last month.", "US.GA"),
    ("Deputies from Avoyelles and Rapides parishes searched the woods.", "US.LA"),
])
def test_each_name_of_a_county_list_is_a_county(text, state):
    ms = geoparse(text).mentions
    assert len(ms) >= 2
    assert all(m.place.kind == "admin2" and m.place.admin1 == state for m in ms), [(m.text, m.place) for m in ms]
    assert all(" " not in m.text or m.text == "Otter Tail" for m in ms)  # the name as written, without "counties"


@pytest.mark.parametrize("text, name, kind", [
    ("ST. PAUL -- No matter how cold it gets, the council meets.", "Saint Paul", "city"),
    ("CHECK YOUR TICKETS NEW JERSEY!! One lucky ticket was sold.", "New Jersey", "admin1"),
    ("ISLE OF PALMS — Two members of the planning board ran.", "Isle of Palms", "city"),
    ("LOS ANGELES (AP) — Fires burned on.", "Los Angeles", "city"),
])
def test_all_caps_names_with_short_words(text, name, kind):
    m = geoparse(text).mentions[0]
    assert (m.place.name, m.place.kind, m.place.country) == (name, kind, "US")


def test_a_towns_nickname_of_the_and_a_word_is_no_mention():
    assert texts("The Bank said profits rose. The Point is that The Bridge was closed.") == []
    assert texts("The Hague and The Colony are places.") == ["The Hague", "The Colony"]


@pytest.mark.parametrize("text, name", [
    ("A Chapin man died early Tuesday in a collision.", "Chapin"),
    ("Yesterday a Dunbar police officer pulled over a car.", "Dunbar"),
    ("The Torrington Fire Department responded to the call.", "Torrington"),
    ("Hyles unseats Turner for Municipal Court Judge. Columbus attorney Stephen Hyles won.", "Columbus"),
    ("Taxpayers heard that Edwardsville District 7 Superintendent Ed Hightower agreed.", "Edwardsville"),
    ("The Flemington Elks plan a comedy show.", "Flemington"),
    ("Yesterday Lewisburg Mayor John Manchester signed a bill.", "Lewisburg"),
])
def test_a_name_used_as_a_places_modifier_is_a_place(text, name):
    assert name in texts(text)


def test_a_small_place_inside_another_name_is_no_mention():
    assert texts("Downriver from the city, the Faubourg Marigny soon developed into a Creole place.") == []


def test_a_title_before_a_name_still_makes_a_person():
    assert texts("Sen. Warner and Judge Alton spoke to Gov. Columbus.") == []


def test_a_county_and_a_town_in_it_read_each_other():
    doc = geoparse("Class has a lesson on history and art. Paris and Henry County are rich in both.")
    assert [(m.text, m.place.name, m.place.admin1) for m in doc.mentions] == [
        ("Paris", "Paris", "US.TN"), ("Henry County", "Henry County", "US.TN")]
    assert "one inside the other" in explain(doc, "Paris").iloc[0]["notes"]
    assert geoparse("Paris is lovely in spring.").mentions[0].place.country == "FR"


def test_a_newspaper_is_named_for_its_city():
    doc = geoparse("Cleve R. Wootson Jr., The Washington Post. The network told The Washington Post so.")
    assert {(m.place.kind, m.place.admin1) for m in doc.mentions} == {("city", "US.DC")}
    assert "newspaper" in explain(doc, "Washington").iloc[0]["notes"]


def test_a_name_written_with_an_ayin_is_found_without_it():
    assert found("Turkish forces entered the Kurdish enclave of Afrin on Sunday.")[-1][:2] == ("Afrin", "‘Afrīn")


def test_a_place_after_from_is_no_speaker():
    assert "Dewsbury" in texts("Barry, who was from Dewsbury said: she had black curly hair.")
