terraform {
  # 1.11: `override_during = plan` in tests/*.tftest.hcl (terraform_data needs 1.4).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      # The provider checks runtime names itself: 5.x rejects nodejs24.x, 6.x accepts it (6.20 documents it).
      source  = "hashicorp/aws"
      version = "~> 6.20"
    }
  }

  # State: add a remote backend before the first shared apply (see README, "Deploy"), e.g.
  # backend "s3" {
  #   bucket       = "my-terraform-state"
  #   key          = "<name_prefix>/terraform.tfstate"
  #   region       = "eu-west-1"
  #   use_lockfile = true
  #   encrypt      = true
  # }
}

# Region and credentials come from the usual AWS settings (AWS_REGION, AWS_PROFILE, ...).
provider "aws" {
  default_tags {
    tags = merge({
      Application = var.name_prefix
      Pattern     = "queue-leveler"
      ManagedBy   = "terraform"
    }, var.tags)
  }
}
