"""Plain data types shared by every layer: what the manifests ask for, and product ids."""
