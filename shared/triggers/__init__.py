"""Function blueprints, one module per trigger kind; ``function_app.py`` registers them."""
