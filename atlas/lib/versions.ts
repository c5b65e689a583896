import type { TerraformProvider, TerraformStack } from 'cdktf';

// Terraform that can run the synthesized stacks: S3-native state locking (`use_lockfile`) needs 1.10, and an older
// Terraform rejects the backend block; the supported range (1.11 and later) is in docs/atlas.md. It is not written as
// `required_version`: CDKTF 0.21's HCL renderer (`cdktf synth --hcl`, the exit path) emits any extra `terraform {}`
// attribute as `0 = "required_version"`, which Terraform rejects.

/**
 * Pins every provider of `stack` to the exact version its prebuilt CDKTF binding was generated
 * from (`@cdktf/provider-mongodbatlas` 8.6.2 -> mongodbatlas 1.41.1, ...). The bindings only
 * declare a loose constraint (`~> 1.8`); an exact pin means the schema the code was written
 * against is the schema Terraform downloads, and an upgrade is a reviewed package bump.
 */
export function pinProviderVersions(stack: TerraformStack, providers: readonly TerraformProvider[]): void {
  for (const provider of providers) {
    const metadata = provider.terraformGeneratorMetadata;
    if (!metadata?.providerVersion) {
      throw new Error(`provider ${provider.terraformResourceType} has no generator metadata: use a prebuilt @cdktf/provider-* binding so its version can be pinned`);
    }
    stack.addOverride(`terraform.required_providers.${provider.terraformResourceType}.version`, metadata.providerVersion);
  }
}
