"""Open-data export of the Pilotage indicators (`socle opendata export DIR`).

- `disclosure`: statistical disclosure control, pure Python (primary and secondary suppression);
- `tables`: the rows to publish, read through socle.pilotage.services;
- `schemas`: the Frictionless Table Schemas and their Arrow twins;
- `dcat`: the DCAT-AP JSON-LD record;
- `export`: atomic writing of CSV, Parquet, schemas, datapackage.json and dcat.jsonld.

See docs/pilotage-opendata.md."""
