class AddRegionToStores < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  def change
    add_column :stores, :region, :string
    add_index :stores, :region, algorithm: :concurrently
    add_reference :stores, :owner, index: { algorithm: :concurrently }
    add_foreign_key :stores, :users, column: :owner_id, validate: false
    add_check_constraint :stores, "region IS NOT NULL", name: "stores_region_null", validate: false
  end
end
