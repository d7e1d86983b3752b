"""Word documents (and PDF through LibreOffice) made from docxtpl templates.

``builder`` is the platform's one way to render a document; the other modules turn
plain data into the context a shipped (or an organisation's uploaded) template uses.
"""
