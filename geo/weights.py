"""The resolver's model: the named features it weighs, their learned weights, and the prior.

A candidate's score is the sum of weight x feature over ``FEATURES``. The weights are
learned by ``scripts/train_resolver.py`` and shipped as data in ``resolver-weights.json``
beside this module; ``weights()`` shows the ones in use. The prior, the part of the score
that a place has before any text is read, is here too: the gazetteer orders
``lookup`` results by it, and the resolver starts from it.

>>> w = weights()["weights"]
>>> w["prior.country"] > w["prior.city"]
True
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the gazetteer imports this module; type hints only
    from geo.gazetteer import Gazetteer

__all__ = ["FEATURES", "SETTINGS_DEFAULT", "WEIGHTS_FILE", "prior", "weights"]

#: The evidence the resolver weighs: every (mention, candidate) pair is described by these
#: features, and a candidate's score is the sum of weight x feature. The weights are learned
#: (scripts/train_resolver.py) and live in ``resolver-weights.json`` beside this module.
FEATURES: tuple[str, ...] = (
    # prior: what the place is, before the text is read
    "prior.country", "prior.disputed", "prior.region", "prior.corridor", "prior.admin1", "prior.physical",
    "prior.admin2", "prior.city", "prior.city_log_population", "prior.capital", "prior.other_log_population",
    "prior.citylike", "prior.namesake_larger", "prior.town_named_like_region",
    # how the name is written (part of the prior): a place's primary name costs nothing
    "prior.alias", "prior.abbrev", "prior.demonym", "prior.code",
    # a word beside the name says its kind: "the town of", "Lachin district"; a dateline and a
    # newspaper's name ("The Washington Post") name a city
    "cue.city", "cue.admin", "cue.dateline", "cue.newspaper",
    # the rest of the text
    "context.country", "context.country_share", "context.admin1", "context.near", "context.near_possible",
    "context.lonely_country", "context.capital_abroad", "context.county_holds_town",
    # "Paris, Texas": the qualifier after a comma or "in"
    "qualifier.contains", "qualifier.same", "qualifier.near_city", "qualifier.in_list", "qualifier.over_region",
    # "Syracuse, New York": the second name contains a reading of the first
    "pair.contains_head",
    # "Michigan, Ohio, Kansas and Nevada": a coordinated list of one kind
    "list.same_kind", "list.other_kind",
    # one sense per name: the same name is qualified elsewhere in the text
    "sense.qualified_elsewhere",
)
_FI = {f: i for i, f in enumerate(FEATURES)}
#: Settings of the evidence that are not learned: distances and how confident a first guess must be.
SETTINGS_DEFAULT = {"passes": 2.0, "near_km": 300.0, "near_local_km": 50.0, "possible_max_readings": 4.0, "qualifier_near_km": 60.0, "confident_margin": 1.5, "weak_weight": 0.4,
                    "lonely_min_mentions": 3.0}
WEIGHTS_FILE = "resolver-weights.json"
_W: list[float] = [0.0] * len(FEATURES)  # the weights in FEATURES order, filled by _set_weights
_SET: dict[str, float] = dict(SETTINGS_DEFAULT)
_HOT: list[float] = [0.0] * 11  # what _scores reads per candidate, in a fixed order (see _set_weights)
_GEN: list[int] = [0]  # bumped when the weights change: names' cached priors are then stale
_WEIGHTS_INFO: dict[str, Any] = {}


def weights() -> dict[str, Any]:
    """The resolver's weights in use: ``{"weights": {feature: w}, "settings": {...}, ...}``.

    >>> w = weights()
    >>> set(w["weights"]) == set(FEATURES) and w["settings"]["near_km"] > 0
    True
    """
    return {**_WEIGHTS_INFO, "weights": dict(zip(FEATURES, _W)), "settings": dict(_SET)}


def _load_weights() -> dict[str, Any]:
    """The bundled weights file (shipped in the wheel beside this module)."""
    from pathlib import Path

    path = Path(__file__).with_name(WEIGHTS_FILE)
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        from geo.errors import GazetteerError

        raise GazetteerError(f"cannot read the resolver weights {path}: {e}") from e
    return data


def _set_weights(data: dict[str, Any]) -> None:
    """Use these weights (a weights file's content; missing features weigh 0). For training."""
    w = data.get("weights", {})
    unknown = set(w) - set(FEATURES)
    if unknown:
        from geo.errors import GazetteerError

        raise GazetteerError(f"resolver weights name unknown features: {', '.join(sorted(unknown))}")
    _W[:] = [float(w.get(f, 0.0)) for f in FEATURES]
    _SET.clear()
    _SET.update(SETTINGS_DEFAULT)
    _SET.update({k: float(v) for k, v in data.get("settings", {}).items()})
    _WEIGHTS_INFO.clear()
    _WEIGHTS_INFO.update({k: v for k, v in data.items() if k not in ("weights", "settings")})
    _HOT[:] = [_W[_FI[f]] for f in ("context.country", "context.country_share", "context.admin1", "context.near",
                                     "context.lonely_country", "context.near_possible", "context.capital_abroad")] + [
        _SET["near_km"], _SET["near_local_km"], _SET["lonely_min_mentions"], _SET["qualifier_near_km"]]
    _GEN[0] += 1


_set_weights(_load_weights())

_KIND_FEATURE = {k: _FI[f"prior.{k}"] for k in ("country", "disputed", "region", "corridor", "admin1", "physical",
                                                 "admin2", "city")}
_NAME_FEATURE = {1: _FI["prior.alias"], 2: _FI["prior.abbrev"], 3: _FI["prior.demonym"], 4: _FI["prior.code"]}


def _prior_features(gaz: Gazetteer, row: int, name_type: int = 0) -> list[tuple[int, float]]:
    """The prior's features of a row read by a name of this type, as (feature index, value) pairs."""
    t = gaz.columns
    kind = t["kind"][row]
    out = [(_KIND_FEATURE.get(kind, _KIND_FEATURE["region"]), 1.0)]  # a user layer's own kind reads as a region
    pop = int(t["population"][row])
    if kind == "city":
        out.append((_FI["prior.city_log_population"], math.log10(pop + 10)))
        if t["capital"][row]:
            out.append((_FI["prior.capital"], 1.0))
    elif pop > 0:
        out.append((_FI["prior.other_log_population"], math.log10(pop + 10)))
    if t["citylike"][row]:  # an admin-1 unit named for the city inside it: the city is meant
        out.append((_FI["prior.citylike"], 1.0))
    nt = _NAME_FEATURE.get(int(name_type))
    if nt is not None:
        out.append((nt, 1.0))
    return out


def prior(gaz: Gazetteer, row: int, name_type: int = 0) -> float:
    """Score of a place before any context: kind, population, capital, name type (weighted features).

    >>> from geo.gazetteer import load_gazetteer
    >>> gaz = load_gazetteer()
    >>> row = gaz.candidates("Armenia")[0][0]
    >>> prior(gaz, row) > prior(gaz, gaz.candidates("Goris")[0][0])
    True
    """
    w = _W
    return sum([w[k] * v for k, v in _prior_features(gaz, row, name_type)], 0.0)
