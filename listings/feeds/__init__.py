"""How MLS data arrives: RESO record parsing, file readers, the RESO Web API client and photo
fetching. Nothing here writes to the database; ``listings.services`` does, with what these return.
"""
