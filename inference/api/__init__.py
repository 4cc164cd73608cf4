"""The inline HTTP API for review queues (`aftersales serve`): the batch jobs' scorer and gate behind FastAPI."""
