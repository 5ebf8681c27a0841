"""LoRA fine-tuning and evaluation recipes (no Prefect here; flows/ wires them)."""
