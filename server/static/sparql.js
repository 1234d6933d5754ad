// The /sparql query UI: YASGUI (served from this server, no CDN) with the curated examples.
// Without the vendored YASGUI (scripts/install-assets.sh not run) the plain form stays.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("sparql-config").textContent);
  const byId = Object.fromEntries(config.examples.map((e) => [e.id, e]));
  if (typeof window.Yasgui === "undefined") {
    return;
  }
  document.getElementById("sparql-fallback").hidden = true;
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const yasgui = new window.Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    // Only local completions: the "property" and "class" completers query the LOV web
    // service, which the UI must not depend on.
    yasqe: { autocompleters: ["prefixes", "variables"] },
  });
  const tab = () => yasgui.getTab();
  tab().setQuery(config.initialQuery);

  document.querySelectorAll("a.sparql-example").forEach((link) => {
    link.addEventListener("click", (event) => {
      const example = byId[link.dataset.example];
      if (!example) return;
      event.preventDefault();
      tab().setQuery(example.query);
      tab().query();
    });
  });

  // Result IRIs of this dataset open its resource pages on this server, wherever it runs.
  const base = config.baseIri;
  const localise = (root) => {
    root.querySelectorAll("a[href^='" + base + "']").forEach((a) => {
      a.href = "/" + a.getAttribute("href").slice(base.length);
      a.removeAttribute("target");
    });
  };
  if (new URL(base).origin !== window.location.origin) {
    new MutationObserver(() => localise(document.getElementById("yasgui")))
      .observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  }
})();
