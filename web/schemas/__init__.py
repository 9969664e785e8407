"""Request schemas, shared by the API's resources and the pages' forms (neither imports the other's).

The schemas of a family's record facts are derived from the domain's field specification
(``domain.facts``): see ``web.schemas.facts``.
"""
