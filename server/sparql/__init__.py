"""``/sparql``: the SPARQL 1.1 Protocol endpoint (protocol, guard, negotiation, service
description, example queries, the query UI). Runs on any store through ``Store.executor``."""
