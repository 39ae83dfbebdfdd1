"""The fixed vocabularies of DESIGN.md, in French. The data migration loads them;
the import validates against what is in the database."""

AUDIENCES = [
    ("demandeurs-emploi", "Demandeurs d'emploi"),
    ("salaries", "Salariés"),
    ("independants", "Indépendants"),
    ("agents-publics", "Agents publics"),
    ("jeunes", "Jeunes"),
    ("personnes-handicap", "Personnes en situation de handicap"),
    ("cadres", "Cadres"),
]

SERVICE_LEVELS = [
    ("accueil", "Accueil individualisé"),
    ("accompagnement", "Accompagnement personnalisé"),
]

OPERATORS = [
    ("france-travail", "France Travail"),
    ("apec", "Apec"),
    ("cap-emploi", "Cap emploi"),
    ("mission-locale", "Mission locale"),
    ("operateur-regional", "Opérateur régional (actifs occupés)"),
    ("autre", "Autre"),
]

REGIONS = [
    ("auvergne-rhone-alpes", "Auvergne-Rhône-Alpes"),
    ("bourgogne-franche-comte", "Bourgogne-Franche-Comté"),
    ("bretagne", "Bretagne"),
    ("centre-val-de-loire", "Centre-Val de Loire"),
    ("corse", "Corse"),
    ("grand-est", "Grand Est"),
    ("hauts-de-france", "Hauts-de-France"),
    ("ile-de-france", "Île-de-France"),
    ("normandie", "Normandie"),
    ("nouvelle-aquitaine", "Nouvelle-Aquitaine"),
    ("occitanie", "Occitanie"),
    ("pays-de-la-loire", "Pays de la Loire"),
    ("provence-alpes-cote-d-azur", "Provence-Alpes-Côte d'Azur"),
    ("guadeloupe", "Guadeloupe"),
    ("martinique", "Martinique"),
    ("guyane", "Guyane"),
    ("la-reunion", "La Réunion"),
    ("mayotte", "Mayotte"),
]
