"""The service engine: a city service declared once (services/<name>/declaration.yaml), run generically.

    registry.py   loads and validates every declaration (model.py)
    forms.py      checks an application against its form (fields, attachments, location)
    cases.py      submit, transition, assign, comment, field visit: each one transaction through layers/
    queue.py      reading cases: one case for its applicant or staff, the desk's list, overdue
    seams.py      the one door to notifications, payments and documents (other packages of the engine)
    media.py      photos checked by content and kept outside the web root (attachments, visits, complaints)
    gazetteer.py  an address naming a kelurahan, placed at a point inside it
    payments/     bills, the sandbox VA/QRIS gateway, signed callbacks, reconciliation
    documents/    issued documents: PDF with a QR code, verification at /verifikasi/<code>
    notify/       the notification outbox: e-mail by SMTP, SMS and WhatsApp providers, a worker with retries

Flask-free: the web (webgis/layanan, webgis/payments, webgis/verify), the CLI and notebooks call the
same functions.
"""
