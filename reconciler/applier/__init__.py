"""Carrying out plans: gathering what CJ says (observe) and making CJ match (apply)."""
