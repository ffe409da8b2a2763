"""``pmreview server``: the review as a language server (LSP over stdio), for editors.

Authors write postmortems in an editor; a CI report arrives too late to change how a
draft is framed. The server keeps the spaCy pipeline and the rules loaded, re-reviews a
draft as it is typed (debounced), and turns each finding into a diagnostic, its
suggestions into quick fixes, and its rule's docs into a hover.

Modules: ``positions`` (offsets to LSP positions in the negotiated encoding), ``memo``
(a bounded parse memo, so an edit re-parses only the sentences it changed), ``review``
(one document through the engine with the configuration the CLI would use), ``edits``
(quick fixes and the disable directives), ``hover`` (the rule's what/why/instead),
``lsp`` (the pygls wiring) and ``cli`` (the click command). Only ``lsp`` imports pygls,
and only when the server starts: ``pmreview review`` never pays for it.
"""
