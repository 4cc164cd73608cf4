"""Input size bounds shared by the batch jobs, the API and the data checks.

Every input is bounded so that one hostile or broken record cannot take a
worker's memory or a model call's latency with it.
"""

MAX_TEXT_CHARS = 2000        # a merchant text or consumer context; the model reads far less
MAX_ID_CHARS = 200
MAX_EVENTS = 500             # events in one ticket
MAX_LINE_BYTES = 1 << 20     # one JSONL record
MAX_NESTING = 32             # JSON depth; a ticket needs 5
CHUNK_RECORDS = 2048         # records a batch job holds per committed chunk (memory bound, crash redo bound)
