"""A CKAN portal harvesting ``/catalog``, as ckanext-dcat's ``DCATRDFHarvester`` does it.

Fetch with requests' default ``Accept: */*`` (HEAD, then GET), parse with the media type the
server answered, name the dataset from its title in the portal's default language
(``ckan.locale_default``), then validate with the package plugin's create schema, as
``package_create`` would: CKAN's default schema (a stock CKAN, profile ``euro_dcat_ap_3``)
and ckanext-dcat's scheming DCAT-AP schema (``dcat_ap_full.yaml``, profiles
``euro_dcat_ap_3 euro_dcat_ap_scheming``).

There is no CKAN database here, so exactly two validators are stubbed, both only because they
query it: ``package_name_validator`` (is the URL name taken? the name's form is still checked
by ``name_validator``) and ``owner_org_validator`` (looks up the organisation and the user; the
harvester takes the organisation from the harvest source). Everything else runs as shipped.

Each validation runs twice: with the installed CKAN, and flattening the data as CKAN 2.10 and
2.11 do (every list of dicts, in the schema or not). Those versions put a field the schema does
not know, such as ``provenance_activity``, into ``__junk`` and refuse the dataset; 2.12 drops it
silently. Either way a portal must not be sent one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

B = "https://data.pref.fukushima.lg.jp/dx/"
SCHEMING_SCHEMA = "ckanext.dcat.schemas:dcat_ap_full.yaml"
SCHEMING_PRESETS = "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml"


@pytest.fixture(scope="module")
def ckan() -> Iterator[SimpleNamespace]:
    """ckan and ckanext-dcat, with the two database-backed validators stubbed (see above)."""
    pytest.importorskip("ckanext.dcat")
    import ckan.lib.navl.dictization_functions as df
    import ckan.logic as logic
    from ckan.common import config
    from ckan.lib.munge import munge_title_to_name
    from ckan.lib.plugins import DefaultDatasetForm, plugin_validate
    from ckanext.dcat.processors import DEFAULT_RDF_PROFILES, RDFParser

    logic.get_validator("not_empty")  # fills ckan's validator cache before it is patched
    saved = dict(logic._validators_cache)

    def no_database(key: Any, data: Any, errors: Any, context: Any) -> None:
        return None

    logic._validators_cache["package_name_validator"] = no_database
    logic._validators_cache["owner_org_validator"] = no_database
    try:
        yield SimpleNamespace(
            config=config,
            df=df,
            logic=logic,
            munge=munge_title_to_name,
            RDFParser=RDFParser,
            default_profiles=list(DEFAULT_RDF_PROFILES),
            stock=DefaultDatasetForm(),
            plugin_validate=plugin_validate,
        )
    finally:
        logic._validators_cache.clear()
        logic._validators_cache.update(saved)


@pytest.fixture(scope="module")
def scheming(ckan: SimpleNamespace) -> Iterator[Any]:
    """ckanext-scheming's dataset plugin with ckanext-dcat's DCAT-AP schema, as a portal
    configures it (``scheming.dataset_schemas``, ``scheming.presets``), without loading
    CKAN's whole plugin environment (which needs a database and a site)."""
    pytest.importorskip("ckanext.scheming")
    from ckanext.dcat.validators import dcat_validators
    from ckanext.scheming import logic as scheming_logic
    from ckanext.scheming import plugins, validation

    logic = ckan.logic
    logic.get_action("package_show")  # fills ckan's action table before it is extended
    saved = dict(logic._validators_cache), plugins._SchemingMixin._presets
    logic._validators_cache.update(validation.all_validators)  # IValidators of both plugins
    logic._validators_cache.update(dcat_validators)
    plugin = plugins.SchemingDatasetsPlugin()
    plugins.SchemingDatasetsPlugin.instance = plugin
    plugins._SchemingMixin._load_presets({"scheming.presets": SCHEMING_PRESETS})
    plugin._schemas = plugins._load_schemas([SCHEMING_SCHEMA], plugin.SCHEMA_TYPE_FIELD)
    plugin._expanded_schemas = plugins._expand_schemas(plugin._schemas)
    plugin._is_fallback = False
    # ckanext-dcat's profiles find the schema through this action (scheming's IActions).
    logic._actions["scheming_dataset_schema_show"] = scheming_logic.scheming_dataset_schema_show
    try:
        yield plugin
    finally:
        del logic._actions["scheming_dataset_schema_show"]
        plugins.SchemingDatasetsPlugin.instance = None
        logic._validators_cache.clear()
        logic._validators_cache.update(saved[0])
        plugins._SchemingMixin._presets = saved[1]


@contextmanager
def ckan_config(ckan: SimpleNamespace, **values: str) -> Iterator[None]:
    """Set ckan config options (dots as ``__``) for the block, then put them back."""
    keys = {k.replace("__", "."): v for k, v in values.items()}
    previous = {k: ckan.config.get(k) for k in keys}
    ckan.config.update(keys)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                ckan.config.pop(key, None)
            else:
                ckan.config[key] = value


@contextmanager
def flattened_as_ckan_2_11(ckan: SimpleNamespace) -> Iterator[None]:
    """``dictization_functions.flatten_dict`` as CKAN 2.10/2.11 have it (no ``schema``)."""
    original = ckan.df.flatten_dict

    def flatten(data: Any, flattened: Any = None, old_key: Any = None, schema: Any = None) -> Any:
        return original(data, flattened, old_key)

    ckan.df.flatten_dict = flatten
    try:
        yield
    finally:
        ckan.df.flatten_dict = original


def fetch(client) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    """What ``DCATRDFHarvester._get_content_and_type`` gets: HEAD, GET, body and media type."""
    accept = {"Accept": "*/*"}  # requests' default
    assert client.head("/catalog", headers=accept).status_code == 200
    response = client.get("/catalog", headers=accept)
    assert response.status_code == 200
    return response.data, response.headers["Content-Type"].split(";", 1)[0]


def harvest(
    ckan: SimpleNamespace, body: bytes, media_type: str, profiles: list[str], locale: str
) -> dict[str, Any]:
    """Parse and name the dataset as the harvester's gather stage does, in ``locale``."""
    with ckan_config(ckan, ckan__locale_default=locale):
        parser = ckan.RDFParser(profiles=profiles)
        parser.parse(body, _format=media_type)
        datasets = list(parser.datasets())
    assert len(datasets) == 1
    dataset: dict[str, Any] = datasets[0]
    dataset["name"] = dataset.get("name") or ckan.munge(dataset["title"])  # _gen_new_name
    dataset["id"] = str(uuid.uuid4())  # the import stage gives an id ...
    return dataset


def package_create_errors(
    ckan: SimpleNamespace, plugin: Any, dataset: dict[str, Any]
) -> dict[str, Any]:
    """The validation errors ``package_create`` would raise (``{}``: created)."""
    schema = plugin.create_package_schema()
    schema["id"] = [
        ckan.logic.get_validator("unicode_safe")
    ]  # ... and lets it through, as the harvester does
    context = {"user": "harvest", "ignore_auth": True, "return_id_only": True}
    data = json.loads(json.dumps(dataset))  # validation changes what it is given
    data.setdefault("type", "dataset")  # package_create's default type
    _, errors = ckan.plugin_validate(plugin, context, data, schema, "package_create")
    return errors  # type: ignore[no-any-return]


def both_ckan_versions(
    ckan: SimpleNamespace, validate: Callable[[], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The errors with the installed CKAN and with CKAN 2.11's flattening."""
    installed = validate()
    with flattened_as_ckan_2_11(ckan):
        ckan_2_11 = validate()
    return {"installed": installed, "2.11": ckan_2_11}


def test_harvester_fetch_gets_rdf(client) -> None:  # type: ignore[no-untyped-def]
    body, media_type = fetch(client)
    assert media_type == "text/turtle"
    assert len(Graph().parse(data=body, format=media_type)) > 100


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_stock_ckan_accepts_the_dataset(client, ckan: SimpleNamespace, locale: str) -> None:  # type: ignore[no-untyped-def]
    dataset = harvest(ckan, *fetch(client), ckan.default_profiles, locale)
    errors = both_ckan_versions(ckan, lambda: package_create_errors(ckan, ckan.stock, dataset))
    assert errors == {"installed": {}, "2.11": {}}, errors
    assert dataset["resources"] and dataset["notes"]


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_scheming_dcat_ap_accepts_the_dataset(  # type: ignore[no-untyped-def]
    client, ckan: SimpleNamespace, scheming: Any, locale: str
) -> None:
    profiles = ["euro_dcat_ap_3", "euro_dcat_ap_scheming"]
    dataset = harvest(ckan, *fetch(client), profiles, locale)
    errors = both_ckan_versions(ckan, lambda: package_create_errors(ckan, scheming, dataset))
    assert errors == {"installed": {}, "2.11": {}}, errors
    # The scheming profile fills the schema's own fields, not extras.
    assert dataset["publisher"][0]["uri"] == B + "id/org/fukushima-prefecture"
    assert dataset["temporal_coverage"] and dataset["identifier"] == "fukushima-dx-kpi"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_harvested_name_is_readable(client, ckan: SimpleNamespace, locale: str) -> None:  # type: ignore[no-untyped-def]
    """CKAN keeps only the ASCII of the title: it must make words, not ``dxkpilinked``."""
    dataset = harvest(ckan, *fetch(client), ckan.default_profiles, locale)
    assert dataset["title"].isascii() == (locale == "en"), dataset["title"]
    name = dataset["name"]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name), name
    parts = name.split("-")
    assert set(parts) <= words(dataset["title"]), (name, dataset["title"])
    assert {"fukushima", "dx"} <= set(parts) and any(p.startswith("kpi") for p in parts), name


def test_stock_ckan_would_refuse_a_dataset_activity(client, ckan: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    """Why the catalog states no prov:wasGeneratedBy on the dcat:Dataset (control case)."""
    body, media_type = fetch(client)
    graph = Graph().parse(data=body, format=media_type)
    dataset_iri = URIRef(B + "id/dataset/dx-kpi")
    graph.add((dataset_iri, PROV.wasGeneratedBy, URIRef(B + "id/activity/build")))
    dataset = harvest(ckan, graph.serialize(format="turtle").encode(), "text/turtle", [], "en")
    assert dataset["provenance_activity"]
    errors = both_ckan_versions(ckan, lambda: package_create_errors(ckan, ckan.stock, dataset))
    assert errors["installed"] == {}  # CKAN 2.12 drops the field: the lineage is lost
    assert "__junk" in errors["2.11"], errors


def test_scheming_validation_is_real(client, ckan: SimpleNamespace, scheming: Any) -> None:  # type: ignore[no-untyped-def]
    """Control case: the scheming schema built here does refuse a malformed dataset."""
    dataset = harvest(ckan, *fetch(client), ["euro_dcat_ap_3", "euro_dcat_ap_scheming"], "en")
    dataset["issued"] = "not a date"
    del dataset["notes"]
    errors = package_create_errors(ckan, scheming, dataset)
    assert {"issued", "notes"} <= set(errors), errors
