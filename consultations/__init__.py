"""政策咨询: questions to the lead bureau and published answers."""
