"""官方名单: province and city lists that verify qualifications."""
