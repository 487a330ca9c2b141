"""lindblad"""
