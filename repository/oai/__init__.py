"""OAI-PMH 2.0 data provider at `/oai`.

Modules, one concern each:
- `errors`: `OAIError(code, message)`, the only exception this package raises on purpose;
- `arguments`: every verb's argument rules (badVerb / badArgument) and the date window;
- `tokens`: stateless, HMAC-signed resumption tokens (keyset cursors);
- `records`: where records come from (`RecordSource`; archive items now, catalogue records in issue 8);
- `formats`: the metadata format registry (prefix -> schema, namespace, builder), `mods` beside it;
- `marc21`: the `marc21` format (MARCXML of the catalogue's MARC 21 records, from their stored raw
  record) and the catalogue source that knows which records have it;
- `verbs`: one response builder per verb; `response`: the OAI-PMH envelope;
- `views`: the Flask blueprint (GET and POST).

Importing this package has no side effects; `views.make_blueprint` wires it to the app.
"""
