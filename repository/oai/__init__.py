"""OAI-PMH 2.0 data provider at `/oai`.

Modules, one concern each:
- `errors`: `OAIError(code, message)`, the only exception this package raises on purpose;
- `arguments`: every verb's argument rules (badVerb / badArgument) and the date window;
- `tokens`: stateless, HMAC-signed resumption tokens (keyset cursors);
- `records`: where records come from (`RecordSource`; archive items now, catalogue records in issue 8);
- `formats`: the metadata format registry (prefix -> schema, namespace, builder), `mods` beside it;
- `verbs`: one response builder per verb; `response`: the OAI-PMH envelope;
- `views`: the Flask blueprint (GET and POST).

Importing this package has no side effects; `views.make_blueprint` wires it to the app.
"""
