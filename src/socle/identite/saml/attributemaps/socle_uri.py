"""Attribute names on the wire (NameFormat uri): ÉduConnect's OIDs and the X.500/COSINE ones.
Loaded by pysaml2 (attribute_map_dir); names absent from here (IDO, PRO, UAI, DIV, socle_*) are
sent as they are."""

EDUCONNECT = "urn:oid:1.3.6.1.4.1.20326.10.999.1."
X500 = "urn:oid:2.5.4."
COSINE = "urn:oid:0.9.2342.19200300.100.1."

MAP = {
    "identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "fro": {
        EDUCONNECT + "7": "FrEduCtPersonAffiliation",
        EDUCONNECT + "57": "FrEduCtId",
        EDUCONNECT + "64": "FrEduCtEleveINEHash",
        EDUCONNECT + "67": "FrEduCtDateNaissance",
        EDUCONNECT + "72": "FrEduCtEleveUAI",
        EDUCONNECT + "73": "FrEduCtEleveNiveau",
        X500 + "42": "givenName",
        X500 + "4": "sn",
        COSINE + "3": "mail",
    },
    "to": {
        "FrEduCtPersonAffiliation": EDUCONNECT + "7",
        "FrEduCtId": EDUCONNECT + "57",
        "FrEduCtEleveINEHash": EDUCONNECT + "64",
        "FrEduCtDateNaissance": EDUCONNECT + "67",
        "FrEduCtEleveUAI": EDUCONNECT + "72",
        "FrEduCtEleveNiveau": EDUCONNECT + "73",
        "givenName": X500 + "42",
        "sn": X500 + "4",
        "mail": COSINE + "3",
    },
}
