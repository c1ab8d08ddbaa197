"""wxnb.build.inputs."""
